// What an approver is shown of the request: a tool call's input, or — for an approval an agent asked for
// itself through the SDK (POST /v1/approvals: no tool, input {}, its data in `context`) — that context.
// Every surface (Slack card and modal, Teams card, email, the email confirm page) shows the same.
import { describe, expect, it } from "vitest";
import { approvalCard as adaptiveCard } from "../../blocks/adaptive.ts";
import { approvalEmail } from "../../blocks/email.ts";
import { decideModal, approvalCard as slackCard } from "../../blocks/slack.ts";
import { approvalText } from "../../blocks/text.ts";
import { approvalFacts } from "../../blocks/view.ts";
import { renderLinkPage } from "../../bot/email/pages.ts";
import { sampleApproval } from "../helpers/approval-view.ts";

const PUBLIC = "https://countersign.example.com";
// What POST /v1/approvals stores for `{action: "deploy.production", context: {...}}`.
const sdkApproval = sampleApproval({
  tool: null,
  toolCallId: null,
  action: "deploy.production",
  input: {},
  context: { service: "web-frontend", version: "1.2.3" },
});

describe("an SDK approval's preview", () => {
  const facts = approvalFacts(sdkApproval, PUBLIC);

  it("is its context, labelled as such", () => {
    expect(facts.previewLabel).toBe("Context");
    expect(facts.inputPreview).toContain('"version": "1.2.3"');
  });

  it("reaches the Slack card and decide modal, the Teams card, the email and the confirm page", () => {
    const surfaces = {
      slackCard: JSON.stringify(slackCard(facts)),
      slackModal: JSON.stringify(decideModal(facts, "approve")),
      teamsCard: JSON.stringify(adaptiveCard(facts)),
      emailHtml: approvalEmail(facts).html,
      emailText: approvalEmail(facts).text,
      text: approvalText(facts),
      confirmPage: renderLinkPage(
        {
          page: "confirm",
          status: 200,
          approval: sdkApproval,
          claim: { approvalId: sdkApproval.id, approver: "ana@example.com", decision: "approve" } as never,
        },
        PUBLIC,
        "token",
      ),
    };
    for (const [surface, rendered] of Object.entries(surfaces)) {
      expect(rendered, surface).toContain("web-frontend");
      expect(rendered, surface).toContain("1.2.3");
      expect(rendered, surface).toMatch(/Context/i);
    }
  });
});

describe("a tool call's preview", () => {
  it("stays its input, even when the call also carries context", () => {
    const facts = approvalFacts(sampleApproval({ context: { note: "from the agent" } }), PUBLIC);
    expect(facts.previewLabel).toBe("Input");
    expect(facts.inputPreview).toContain('"ticket": "T-1"');
    expect(facts.inputPreview).not.toContain("from the agent");
  });
});
