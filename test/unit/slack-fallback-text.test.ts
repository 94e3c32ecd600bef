// A Slack message's `text` (the fallback shown in notifications and by clients without blocks) is
// mrkdwn too: an agent's action holding <!channel>, <!here> or <@U…> must not ping anyone, nor a
// <http://…|label> disguise a link, whatever kind of message carries it.
import { describe, expect, it } from "vitest";
import {
  approvalCard,
  escalationMessage,
  overrideNoticeMessage,
  reminderMessage,
  replyMessage,
} from "../../blocks/slack.ts";
import { approvalFacts } from "../../blocks/view.ts";
import { sampleApproval, sampleDecided } from "../helpers/approval-view.ts";

const PUBLIC = "https://countersign.example.com";
const MENTIONS = "<!channel> <!here> <@U0ANA00001> <https://evil.example|billing.example.com>";
const pending = approvalFacts(sampleApproval({ tool: null, action: `deploy ${MENTIONS}` }), PUBLIC);
const decided = approvalFacts(
  sampleDecided(
    { kind: "override", grantBy: "break-glass", rationale: MENTIONS },
    { tool: null, action: `deploy ${MENTIONS}` },
  ),
  PUBLIC,
);

describe("Slack fallback text", () => {
  const messages = {
    card: approvalCard(pending),
    escalation: escalationMessage(pending, { escalateTo: ["ops"], at: { level: 1, levels: 1 }, links: [] }),
    reminder: reminderMessage(pending, ["ana@example.com"]),
    override: overrideNoticeMessage(decided, []),
    reply: replyMessage(`Could not decide: ${MENTIONS}`),
  };
  for (const [kind, message] of Object.entries(messages)) {
    it(`of a ${kind} shows agent text as text: no mention, no disguised link`, () => {
      expect(message.text).not.toMatch(/<[!@#]|<https?:/);
      expect(message.text).toContain("&lt;!channel&gt;");
    });
  }
});
