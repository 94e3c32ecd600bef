// The key that signs email links, kept out of the database so that read access to it (a backup, a
// replica, a leaked connection string) cannot mint decide links: COUNTERSIGN_EMAIL_LINK_KEY, or else
// DATA_DIR/email-link.key (32 random bytes, base64url, created mode 600 on first start). Replicas on one
// PostgreSQL must share it (set the variable). Rotation: set the new key and move the old one to
// COUNTERSIGN_EMAIL_LINK_PREVIOUS_KEY; links signed with it keep working until it is removed (the longest
// approval timeout is long enough). It is never logged and never leaves the server.
import { randomBytes } from "node:crypto";
import type { EmailConfig } from "../config.ts";
import { readOrCreateKeyFile } from "../key-file.ts";

/** The signing key first, then any key still accepted. */
export function loadLinkKeys(
  config: Pick<EmailConfig, "linkKey" | "linkKeyFile" | "previousLinkKey">,
): Buffer[] {
  const current =
    config.linkKey ??
    Buffer.from(
      readOrCreateKeyFile(config.linkKeyFile, () => `${randomBytes(32).toString("base64url")}\n`).trim(),
      "base64url",
    );
  if (current.length < 32) throw new Error(`${config.linkKeyFile} holds fewer than 32 bytes of key`);
  return config.previousLinkKey ? [current, config.previousLinkKey] : [current];
}
