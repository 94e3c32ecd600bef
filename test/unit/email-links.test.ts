// The signed links: only an approver of the approval can be minted one, it names one approver and one
// decision, and any change to it (or a token signed with another key) is refused as forged.
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { decideUrl, LinkSigner } from "../../bot/email/links.ts";

const APPROVAL = {
  id: "approval-call-abc123",
  approvers: ["ana@example.com", "ben@example.com"],
  expiresAt: "2026-05-01T15:03:00.000Z",
};

const signer = new LinkSigner(randomBytes(32));

/** Re-encodes a token's claim with `change` applied, keeping the original signature. */
function tamper(token: string, change: (claim: Record<string, unknown>) => void): string {
  const [payload, sig] = token.split(".") as [string, string];
  const claim = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
  change(claim);
  return `${Buffer.from(JSON.stringify(claim)).toString("base64url")}.${sig}`;
}

describe("LinkSigner", () => {
  it("a minted token verifies to its approval, approver, decision and the approval's expiry", () => {
    const verified = signer.verify(signer.mint(APPROVAL, "Ana@Example.com", "reject"));
    expect(verified).toEqual({
      ok: true,
      claim: {
        approvalId: "approval-call-abc123",
        approver: "ana@example.com",
        decision: "reject",
        expiresAt: new Date("2026-05-01T15:03:00.000Z"),
      },
    });
  });

  it("refuses to mint a link for someone the approval does not name", () => {
    expect(() => signer.mint(APPROVAL, "mallory@example.com", "approve")).toThrow(
      "mallory@example.com is not an approver of approval-call-abc123",
    );
  });

  it("two links for the same approver and decision differ (a nonce), and both verify", () => {
    const a = signer.mint(APPROVAL, "ana@example.com", "approve");
    const b = signer.mint(APPROVAL, "ana@example.com", "approve");
    expect(a).not.toBe(b);
    expect(signer.verify(a).ok && signer.verify(b).ok).toBe(true);
  });

  it("a changed decision, approver, approval or expiry is refused as forged", () => {
    const token = signer.mint(APPROVAL, "ana@example.com", "approve");
    const changes: ((c: Record<string, unknown>) => void)[] = [
      (c) => (c.d = "reject"),
      (c) => (c.e = "ben@example.com"),
      (c) => (c.a = "approval-call-other"),
      (c) => (c.x = (c.x as number) + 86_400_000),
    ];
    for (const change of changes) {
      const verified = signer.verify(tamper(token, change));
      expect(verified).toMatchObject({ ok: false, reason: "forged" });
    }
  });

  it("a token signed with another key is forged; a cut or empty one is malformed", () => {
    const other = new LinkSigner(randomBytes(32)).mint(APPROVAL, "ana@example.com", "approve");
    expect(signer.verify(other)).toMatchObject({ ok: false, reason: "forged" });
    const token = signer.mint(APPROVAL, "ana@example.com", "approve");
    expect(signer.verify(token.slice(0, token.indexOf(".")))).toMatchObject({
      ok: false,
      reason: "malformed",
      message: expect.stringContaining("malformed"),
    });
    expect(signer.verify(token.slice(0, -4))).toMatchObject({ ok: false, reason: "forged" });
    expect(signer.verify(undefined)).toMatchObject({ ok: false, reason: "malformed" });
    expect(signer.verify("")).toMatchObject({ ok: false, reason: "malformed" });
    expect(signer.verify(`${"a".repeat(3000)}.b`)).toMatchObject({ ok: false, reason: "malformed" });
  });

  it("a rotated key: links signed with the previous key still verify, new links use the new key only", () => {
    const oldKey = randomBytes(32);
    const rotated = new LinkSigner(randomBytes(32), [oldKey]);
    const fromOld = new LinkSigner(oldKey).mint(APPROVAL, "ana@example.com", "approve");
    expect(rotated.verify(fromOld).ok).toBe(true);
    const fromNew = rotated.mint(APPROVAL, "ana@example.com", "approve");
    expect(new LinkSigner(oldKey).verify(fromNew)).toMatchObject({ ok: false, reason: "forged" });
    // Once the previous key is dropped, its links are refused.
    const afterGrace = new LinkSigner(randomBytes(32));
    expect(afterGrace.verify(fromOld)).toMatchObject({ ok: false, reason: "forged" });
  });

  it("refuses a key too short to sign with", () => {
    expect(() => new LinkSigner(randomBytes(16))).toThrow("at least 32 bytes");
  });

  it("decideUrl puts the token in the query of /email/decide", () => {
    expect(decideUrl("https://cs.example.com", "abc.def")).toBe(
      "https://cs.example.com/email/decide?token=abc.def",
    );
  });
});
