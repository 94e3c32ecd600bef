// Review finding: the card's "Open" button (Action.Execute verb `describe`) showed any approval in full to
// whoever pressed it, even someone Countersign does not recognise — while `approvals describe ID` typed by
// the same person is refused. Open now asks who is pressing first, as every other action does.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backend } from "../helpers/db.ts";
import { cardOf, startTeamsWorld, TEAMS_USERS, type TeamsWorld } from "../helpers/teams-request.ts";

describe(`Teams Open needs a recognised person (${backend})`, () => {
  let w: TeamsWorld;
  let approvalId: string;

  beforeAll(async () => {
    w = await startTeamsWorld();
    const agent = await w.t.agentKey("support-bot");
    const res = await w.t.call("POST", "/v1/tool-calls", {
      key: agent,
      body: { tool: "refund.issue", input: { ticket: "T-7", amount: 42, iban: "DE-SECRET-IBAN" } },
    });
    expect(res.status).toBe(202);
    approvalId = res.body.approvalId;
  });
  afterAll(() => w?.close());

  it("refuses an unrecognised person pressing Open, showing nothing of the approval", async () => {
    const stranger = { id: "29:1zed", aadObjectId: "0f0f0f0f-0000-4000-8000-00000000f0f0", name: "Zed" };
    const res = await w.teams.press(stranger, "describe", { approvalId });
    expect(res.status).toBe(200);
    const text = JSON.stringify(res.body.value);
    expect(text).toContain(`teams: ${stranger.aadObjectId}`);
    expect(text).not.toContain("DE-SECRET-IBAN");
    expect(text).not.toContain(approvalId);
  });

  it("still opens the approval for a recognised person", async () => {
    const res = await w.teams.press(TEAMS_USERS.ana, "describe", { approvalId });
    expect(res.status).toBe(200);
    expect(JSON.stringify(res.body.value)).toContain("DE-SECRET-IBAN");
    // The typed command answers the stranger the same way the button now does.
    const before = w.connector.recorded("reply").length;
    const stranger = { id: "29:1zed", aadObjectId: "0f0f0f0f-0000-4000-8000-00000000f0f0", name: "Zed" };
    await w.teams.say(stranger, `approvals describe ${approvalId}`);
    const [reply] = w.connector.recorded("reply").slice(before);
    expect(JSON.stringify(cardOf(reply!.body))).not.toContain("DE-SECRET-IBAN");
  });
});
