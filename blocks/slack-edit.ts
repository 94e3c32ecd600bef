// The input to edit, as Block Kit inputs inside the decide modal: one typed input per field of a flat
// schema (text, number, a true/false or enum select), otherwise one JSON text. Block ids name the field
// (edit:amount, edit:json), so the listener reads values back and puts the domain's errors beside them.

import { type EditField, type EditForm, type FormValues, inputNames, JSON_FIELD } from "./edit-form.ts";
import { clip, SLACK_LIMITS as L } from "./limits.ts";
import { type Block, plain } from "./slack.ts";

const ACTION = "value";
/** Longest value a plain_text_input takes; Slack refuses a longer initial_value outright. */
const INPUT_MAX = 3000;
/** A static_select holds at most 100 options. */
const OPTIONS_MAX = 100;

export function editBlockId(field: string): string {
  return `edit:${field}`;
}

const option = (value: string) => ({ text: plain(value, 75), value });

function element(field: EditField): Block {
  switch (field.kind) {
    case "text":
      return {
        type: "plain_text_input",
        action_id: ACTION,
        max_length: INPUT_MAX,
        ...(field.value !== "" && { initial_value: field.value }),
      };
    case "number":
      return {
        type: "number_input",
        action_id: ACTION,
        is_decimal_allowed: !field.integer,
        ...(field.value !== "" && { initial_value: field.value }),
      };
    case "boolean":
      return {
        type: "static_select",
        action_id: ACTION,
        options: [option("true"), option("false")],
        ...(field.value !== undefined && { initial_option: option(String(field.value)) }),
      };
    case "choice":
      return {
        type: "static_select",
        action_id: ACTION,
        options: field.options.map(option),
        ...(field.options.includes(field.value) && { initial_option: option(field.value) }),
      };
  }
}

/** What Slack cannot draw: a value longer than an input takes, or more choices than a select holds. */
function fits(form: EditForm): boolean {
  if (form.kind === "json") return form.value.length <= INPUT_MAX;
  return form.fields.every(
    (f) =>
      (f.kind !== "text" || f.value.length <= INPUT_MAX) &&
      (f.kind !== "choice" || f.options.length <= OPTIONS_MAX),
  );
}

/** The blocks the decide modal shows for the input, and whether they take an edit. */
export interface EditBlocks {
  blocks: Block[];
  editable: boolean;
}

/** The input blocks of the form; a note instead when Slack cannot draw it (edit from the CLI or API). */
export function editBlocks(form: EditForm, approvalId: string): EditBlocks {
  const hint = "Approving with a change runs the tool with your input; the card shows what changed.";
  if (!fits(form)) {
    const note = [
      {
        type: "context",
        elements: [
          {
            type: "mrkdwn",
            text: clip(
              `The input is too large to edit here: approve it as it is, or edit it with \`countersign approvals decide ${approvalId} --decision approve --input @FILE\`.`,
              L.sectionText,
            ),
          },
        ],
      },
    ];
    return { blocks: note, editable: false };
  }
  if (form.kind === "json") {
    const json = [
      {
        type: "input",
        block_id: editBlockId(JSON_FIELD),
        label: plain("Input (JSON)", L.inputLabel),
        hint: plain(hint, L.inputLabel),
        element: {
          type: "plain_text_input",
          action_id: ACTION,
          multiline: true,
          max_length: INPUT_MAX,
          initial_value: form.value,
        },
      },
    ];
    return { blocks: json, editable: true };
  }
  const fields = form.fields.map((field, i) => ({
    type: "input",
    block_id: editBlockId(field.name),
    optional: !field.required,
    label: plain(field.name, L.inputLabel),
    ...(i === 0 && { hint: plain(hint, L.inputLabel) }),
    element: element(field),
  }));
  return { blocks: fields, editable: true };
}

/** One input's state in a view_submission: a text or number's value, or a select's chosen option. */
export interface InputState {
  value?: string | null;
  selected_option?: { value: string } | null;
}

/** The values the person left in the edit inputs, by field name. */
export function editValues(form: EditForm, state: Record<string, Record<string, InputState>>): FormValues {
  const values: FormValues = {};
  for (const name of inputNames(form)) {
    const input = state[editBlockId(name)]?.[ACTION];
    values[name] = input?.selected_option?.value ?? input?.value ?? undefined;
  }
  return values;
}
