// The input to edit, as Adaptive Card inputs on the approval card: one typed input per field of a flat
// schema (text, number, a true/false or enum choice), otherwise one JSON text. Teams merges every input
// into the pressed action's data under its id (edit:amount, edit:json), where editValues reads it back.
import { type EditField, type EditForm, type FormValues, inputNames, JSON_FIELD } from "./edit-form.ts";
import { TEAMS_LIMITS } from "./limits.ts";

type CardElement = Record<string, unknown>;

export function editInputId(field: string): string {
  return `edit:${field}`;
}

const choices = (values: string[]) => values.map((v) => ({ title: v, value: v }));

function input(field: EditField): CardElement {
  const common = { id: editInputId(field.name), label: field.name, isRequired: field.required };
  switch (field.kind) {
    case "text":
      return { type: "Input.Text", ...common, value: field.value };
    case "number":
      // Input.Number takes a number; an empty one is left out rather than shown as 0.
      return { type: "Input.Number", ...common, ...(field.value !== "" && { value: Number(field.value) }) };
    case "boolean":
      return {
        type: "Input.ChoiceSet",
        ...common,
        style: "compact",
        choices: choices(["true", "false"]),
        ...(field.value !== undefined && { value: String(field.value) }),
      };
    case "choice":
      return {
        type: "Input.ChoiceSet",
        ...common,
        style: "compact",
        choices: choices(field.options),
        value: field.value,
      };
  }
}

/**
 * The inputs of the form, under a heading; none when they would not fit the card (edit from the CLI or
 * API then). The card's byte budget is what limits Teams.
 */
export function editInputs(form: EditForm): CardElement[] {
  const elements: CardElement[] = [
    {
      type: "TextBlock",
      text: "Approve with changes (optional): the tool then runs with what you enter here.",
      wrap: true,
      weight: "Bolder",
      spacing: "Medium",
    },
    ...(form.kind === "json"
      ? [
          {
            type: "Input.Text",
            id: editInputId(JSON_FIELD),
            label: "Input (JSON)",
            isMultiline: true,
            value: form.value,
          },
        ]
      : form.fields.map(input)),
  ];
  const bytes = new TextEncoder().encode(JSON.stringify(elements)).length;
  return bytes <= TEAMS_LIMITS.editBytes ? elements : [];
}

/** The values the action's data carries for the form's inputs, by field name. */
export function editValues(form: EditForm, data: Record<string, unknown>): FormValues {
  const values: FormValues = {};
  for (const name of inputNames(form)) {
    const v = data[editInputId(name)];
    values[name] = v === undefined || v === null ? undefined : String(v);
  }
  return values;
}
