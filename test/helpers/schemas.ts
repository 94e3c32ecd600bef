// The shared chat payload schemas (../shared/schemas beside the repo), loaded as its README says. Where
// they are absent the schema checks skip with a printed reason; the limit checks in blocks/ still run.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import type { ValidateFunction } from "ajv";
import { Ajv2020 } from "ajv/dist/2020.js";
import ajvFormats from "ajv-formats";

const addFormats = ajvFormats.default;
export const SCHEMAS_DIR = path.resolve(import.meta.dirname, "../../../shared/schemas");
const SLACK_FILE = path.join(SCHEMAS_DIR, "slack-block-kit.schema.json");

export interface SlackValidators {
  blocks: ValidateFunction;
  modal: ValidateFunction;
}

function loadSlack(): SlackValidators | null {
  if (!existsSync(SLACK_FILE)) {
    console.warn(`Block Kit schema checks skipped: ${SLACK_FILE} is absent`);
    return null;
  }
  const schema = JSON.parse(readFileSync(SLACK_FILE, "utf8"));
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  return { blocks: ajv.compile(schema), modal: ajv.getSchema(`${schema.$id}#/$defs/modal_view`)! };
}

export const slackSchemas = loadSlack();

/** The deepest errors first: with oneOf unions the first error is often from an unrelated branch. */
export function schemaErrors(validate: ValidateFunction): string {
  const errors = [...(validate.errors ?? [])].sort((a, b) => b.instancePath.length - a.instancePath.length);
  return errors
    .slice(0, 5)
    .map((e) => `${e.instancePath} ${e.message}`)
    .join("; ");
}

/** Throws with the schema's errors unless `blocks` is a valid Block Kit message of at most 50 blocks. */
export function assertMessageBlocks(blocks: unknown[]): void {
  if (blocks.length > 50) throw new Error(`message has ${blocks.length} blocks; Slack allows 50`);
  if (slackSchemas && !slackSchemas.blocks(blocks)) throw new Error(schemaErrors(slackSchemas.blocks));
}

/** Throws with the schema's errors unless `view` is a valid modal. */
export function assertModal(view: unknown): void {
  if (slackSchemas && !slackSchemas.modal(view)) throw new Error(schemaErrors(slackSchemas.modal));
}
