// /approvals through the real endpoint: the cross-agent queue with SLA badges and paging, describe,
// decide, history, help and usage, bulk decisions with one rationale, and the restricted override.
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decisions } from "../../db/schema.ts";
import { ManualClock } from "../../handlers/clock.ts";
import { backend } from "../helpers/db.ts";
import type { Body } from "../helpers/fake-slack.ts";
import { assertMessageBlocks, assertModal } from "../helpers/schemas.ts";
import { seedApproval } from "../helpers/seed.ts";
import { about, buttons, type SlackWorld, startSlackWorld, USERS } from "../helpers/slack-request.ts";

const MINUTE = 60_000;

describe(`/approvals in Slack (${backend})`, () => {
  let w: SlackWorld;
  const clock = new ManualClock();

  beforeAll(async () => {
    w = await startSlackWorld({ clock });
  });
  afterAll(() => w.close());

  const command = async (user: string, text: string) => {
    const res = await w.slack.command(user, text);
    expect(res.status).toBe(200);
    expect(res.body.response_type).toBe("ephemeral");
    assertMessageBlocks(res.body.blocks);
    return res.body as { text: string; blocks: Body[] };
  };
  const rowIds = (blocks: Body[]) =>
    blocks
      .filter((b) => b.accessory?.type === "checkboxes")
      .map((b) => b.accessory.options[0].value as string);
  const decisionOf = (id: string) =>
    w.t.database.db.select().from(decisions).where(eq(decisions.approvalId, id));

  it("lists the queue across agents, most urgent first, with SLA badges and filters", async () => {
    const calm = await seedApproval(w.t.app.deps, { agent: "support-bot" });
    const hurried = await seedApproval(w.t.app.deps, { agent: "ops-bot", timeoutMs: 20 * MINUTE });
    clock.advance(12 * MINUTE);
    const { blocks } = await command(USERS.ana, "");
    const ids = rowIds(blocks);
    expect(ids.indexOf(hurried)).toBeGreaterThanOrEqual(0);
    expect(ids.indexOf(hurried)).toBeLessThan(ids.indexOf(calm));
    const text = (id: string) =>
      blocks.find((b) => b.accessory?.options?.[0].value === id)!.text.text as string;
    expect(text(hurried)).toContain("ops-bot");
    expect(text(hurried)).toContain(":large_yellow_circle: at risk");
    expect(text(calm)).toContain("support-bot");
    expect(text(calm)).toContain(":large_green_circle: on track");
    expect(rowIds((await command(USERS.ana, "ls --agent ops-bot")).blocks)).toEqual([hurried]);
    // eve is routed nothing.
    expect((await command(USERS.eve, "ls")).text).toBe("Nothing is waiting for your decision.");
  });

  it("pages a long queue within the 50-block limit", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 23; i++) ids.push(await seedApproval(w.t.app.deps, { tool: "payout.send" }));
    const first = await command(USERS.ana, "ls --tool payout.send");
    expect(first.blocks.length).toBeLessThanOrEqual(50);
    const next = buttons(first.blocks).find((b) => b.action_id === "countersign.next_page")!;
    const res = await w.slack.click(USERS.ana, {
      actionId: next.action_id,
      value: next.value,
      ephemeral: true,
      blockId: "queue",
    });
    expect(res.status).toBe(200);
    const [page2] = await w.fake.waitFor("response_url", 1, (b) => b.replace_original === true);
    expect([...rowIds(first.blocks), ...rowIds(page2!.blocks)].sort()).toEqual([...ids].sort());
  });

  it("a next-page button whose value Countersign did not make is answered in words, not as an internal error", async () => {
    const values = ["null", "{not json", '{"c":7}'];
    for (const [i, value] of values.entries()) {
      const res = await w.slack.click(USERS.ana, {
        actionId: "countersign.next_page",
        value,
        ephemeral: true,
        blockId: "queue",
      });
      expect(res.status).toBe(200);
      const told = await w.fake.waitFor("response_url", i + 1, (b) =>
        JSON.stringify(b).includes("not one Countersign made"),
      );
      expect(told.at(-1)!.text).toBe("This button is not one Countersign made; nothing was done.");
    }
  });

  it("describes, decides, and shows history; help and unknown words get the usage", async () => {
    const id = await seedApproval(w.t.app.deps, { input: { ticket: "T-9", amount: 990 } });
    const described = await command(USERS.ana, `describe ${id}`);
    expect(JSON.stringify(described.blocks)).toContain('\\"amount\\": 990');
    expect((await command(USERS.ana, "describe approval-nope")).text).toContain(
      "no approval with id approval-nope",
    );

    const decided = await command(USERS.ben, `decide ${id} reject “Amount over the refund cap”`);
    expect(decided.text).toMatch(/Rejected by ben@example.com at .* — Amount over the refund cap/);
    expect(await decisionOf(id)).toMatchObject([
      { decision: "reject", via: "slack", decidedBy: "ben@example.com" },
    ]);
    expect((await command(USERS.ana, `decide ${id} approve "late"`)).text).toContain(
      "already rejected by ben@example.com",
    );

    expect(rowIds((await command(USERS.ben, "history")).blocks)).toEqual([]);
    expect(JSON.stringify((await command(USERS.ben, "history")).blocks)).toContain(id);
    expect((await command(USERS.ana, "help")).blocks[0]!.text.text).toContain("/approvals ls");
    const unknown = await command(USERS.ana, "frobnicate now");
    expect(unknown.text).toBe('unknown command "frobnicate".');
    expect(JSON.stringify(unknown.blocks)).toContain("/approvals describe ID");
  });

  it("tells a Slack user it cannot identify why", async () => {
    w.fake.users.set("U0NOMAIL99", { id: "U0NOMAIL99", name: "ghost" });
    expect((await command("U0NOMAIL99", "ls")).text).toContain("Countersign cannot tell who you are");
  });

  it("bulk-approves three ticked rows with one shared rationale", async () => {
    const picked = [];
    for (let i = 0; i < 3; i++) picked.push(await seedApproval(w.t.app.deps, { agent: "ops-bot" }));
    // The cards are out before anyone decides; a card posted after the decision already shows it and
    // needs no update, which is not what this test is about.
    for (const id of picked) await w.fake.waitFor("chat.postMessage", 2, about(id));
    const { blocks } = await command(USERS.ana, "ls --agent ops-bot");
    const values: Body = {};
    for (const b of blocks) {
      const value = b.accessory?.options?.[0].value;
      if (picked.includes(value))
        values[b.block_id] = { "countersign.select": { type: "checkboxes", selected_options: [{ value }] } };
    }
    // Nothing ticked: told so.
    await w.slack.click(USERS.ana, {
      actionId: "countersign.approve_selected",
      value: "approve",
      ephemeral: true,
      blockId: "queue",
    });
    await w.fake.waitFor("response_url", 1, (b) => JSON.stringify(b).includes("Tick at least one row"));

    await w.slack.click(USERS.ana, {
      actionId: "countersign.approve_selected",
      value: "approve",
      ephemeral: true,
      blockId: "queue",
      stateValues: values,
    });
    const [opened] = await w.fake.waitFor(
      "views.open",
      1,
      (b) => b.view.callback_id === "countersign.bulk_decide",
    );
    const view = w.fake.records("views.open").find((r) => r.body === opened)!.reply.view;
    expect(JSON.parse(view.private_metadata).ids.sort()).toEqual([...picked].sort());
    const res = await w.slack.submit(USERS.ana, view, "Batch verified against the ledger.");
    expect(res.body.response_action).toBe("update");
    expect(res.body.view.blocks[0].text.text).toBe("*3 of 3 decided.*");
    for (const id of picked) {
      expect(await decisionOf(id)).toMatchObject([
        { decision: "approve", rationale: "Batch verified against the ledger." },
      ]);
    }
    for (const id of picked) await w.fake.waitFor("chat.update", 2, about(id));
  });

  it("override: refused to a non-member and without a reason; recorded, shown and announced for a member", async () => {
    const id = await seedApproval(w.t.app.deps);
    await w.fake.waitFor("chat.postMessage", 2, about(id));
    const refused = await command(
      USERS.eve,
      `override ${id} approve --grant-by sre-oncall --reason "trust me"`,
    );
    expect(refused.text).toContain("eve@example.com is not a member of Role sre-oncall");
    expect((await command(USERS.sam, `override ${id} approve --grant-by sre-oncall`)).text).toContain(
      "needs a reason",
    );
    expect(await decisionOf(id)).toEqual([]);

    const ok = await command(
      USERS.sam,
      `override ${id} approve --grant-by sre-oncall --reason "Customer escalation, CFO approved"`,
    );
    expect(ok.text).toContain(
      "Overridden by sam@example.com under sre-oncall: Customer escalation, CFO approved",
    );
    expect(await decisionOf(id)).toMatchObject([
      { kind: "override", grantBy: "sre-oncall", decidedBy: "sam@example.com" },
    ]);
    const updates = await w.fake.waitFor("chat.update", 2, about(id));
    for (const u of updates)
      expect(JSON.stringify(u.blocks)).toContain("Overridden by sam@example.com under sre-oncall");
    const [notice] = await w.fake.waitFor(
      "chat.postMessage",
      1,
      (b) => b.channel === "C0SREONCALL" && about(id)(b),
    );
    expect(JSON.stringify(notice!.blocks)).toContain("archives/C0BILLING01/p");

    // The Role allows two a day.
    const second = await seedApproval(w.t.app.deps);
    const third = await seedApproval(w.t.app.deps);
    await command(USERS.sam, `override ${second} reject --grant-by sre-oncall --reason "Fraud pattern"`);
    const limited = await command(
      USERS.sam,
      `override ${third} reject --grant-by sre-oncall --reason "Again"`,
    );
    expect(limited.text).toContain("has used its 2 overrides");
    expect(await decisionOf(third)).toEqual([]);
  });

  it("sent Slack only valid Block Kit: queue pages, notices, updates and modals", () => {
    const sent = ["chat.postMessage", "chat.update", "response_url"].flatMap((m) => w.fake.calls(m));
    for (const body of sent) assertMessageBlocks(body.blocks);
    const views = w.fake.calls("views.open").map((b) => b.view);
    expect(views.length).toBeGreaterThan(0);
    for (const view of views) assertModal(view);
  });
});
