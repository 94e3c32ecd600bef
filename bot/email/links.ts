// Signed one-time links for email approvers. A token names one approval, one approver and one decision,
// and carries the approval's expiry: base64url(JSON claim) "." base64url(HMAC-SHA256(key, claim)). Only
// the server holding the key can mint one, any change to the claim breaks the signature, and one
// approver's link can never decide as another or flip approve into reject. The link is single-use
// because the decision is: once the approval is decided (first decision wins, in SQL) the link only shows
// the standing decision.
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import { isApprover } from "../../handlers/approvals/index.ts";
import type { Approval, DecisionValue } from "../../sdk/types.ts";

/** Longer than any token we mint; anything past it is refused before any work. */
const MAX_TOKEN_LENGTH = 2048;
/** Separates these signatures from anything else the same key might ever sign. */
const CONTEXT = "countersign.email-link.v1.";

export interface LinkClaim {
  approvalId: string;
  /** The approver's email, lower-case: who decides when the link is used. */
  approver: string;
  decision: DecisionValue;
  /** The approval's expiry: the link is refused from then on. */
  expiresAt: Date;
}

export type VerifiedLink =
  | { ok: true; claim: LinkClaim }
  | { ok: false; reason: "malformed" | "forged"; message: string };

const claimSchema = z.object({
  v: z.literal(1),
  a: z.string().min(1),
  e: z.string().min(3),
  d: z.enum(["approve", "reject"]),
  x: z.number().int().positive(),
  n: z.string().min(8),
});

export class LinkSigner {
  private readonly accepted: Buffer[];

  /** Signs with `key`; also accepts links signed with any of `previous` (a rotation's grace period). */
  constructor(
    private readonly key: Buffer,
    previous: readonly Buffer[] = [],
  ) {
    for (const k of [key, ...previous]) {
      if (k.length < 32) throw new Error("the link-signing key must be at least 32 bytes");
    }
    this.accepted = [key, ...previous];
  }

  /** Mints the link token for one approver of the approval; refuses anyone the approval does not name. */
  mint(
    approval: Pick<Approval, "id" | "approvers" | "expiresAt">,
    approver: string,
    decision: DecisionValue,
  ): string {
    const email = approver.toLowerCase();
    if (!isApprover(approval, { email })) {
      throw new Error(`${approver} is not an approver of ${approval.id}; no link can be minted for them`);
    }
    const claim = {
      v: 1,
      a: approval.id,
      e: email,
      d: decision,
      x: new Date(approval.expiresAt).getTime(),
      // Two links for the same approver and decision (a resent escalation) still differ.
      n: randomBytes(9).toString("base64url"),
    };
    const payload = Buffer.from(JSON.stringify(claim)).toString("base64url");
    return `${payload}.${this.sign(payload)}`;
  }

  /** Checks the signature first, then the claim's shape; says which of the two failed. */
  verify(token: string | undefined): VerifiedLink {
    if (!token) return { ok: false, reason: "malformed", message: "the link has no token" };
    const parts = token.split(".");
    if (token.length > MAX_TOKEN_LENGTH || parts.length !== 2 || !parts[0] || !parts[1]) {
      return {
        ok: false,
        reason: "malformed",
        message: "the link's token is malformed (cut off when copied?)",
      };
    }
    const [payload, signature] = parts as [string, string];
    const given = Buffer.from(signature);
    const signedByOne = this.accepted.some((key) => {
      const expected = Buffer.from(this.sign(payload, key));
      return given.length === expected.length && timingSafeEqual(given, expected);
    });
    if (!signedByOne) {
      return {
        ok: false,
        reason: "forged",
        message: "the link's signature does not match: it was not issued by this server or has been altered",
      };
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
    } catch {
      parsed = undefined;
    }
    const claim = claimSchema.safeParse(parsed);
    // A validly signed claim of another shape can only come from a future version of this code.
    if (!claim.success)
      return {
        ok: false,
        reason: "malformed",
        message: "the link's token is not one this server understands",
      };
    const c = claim.data;
    return {
      ok: true,
      claim: { approvalId: c.a, approver: c.e, decision: c.d, expiresAt: new Date(c.x) },
    };
  }

  private sign(payload: string, key = this.key): string {
    return createHmac("sha256", key).update(CONTEXT).update(payload).digest("base64url");
  }
}

/** The link an email carries: the confirm page of the token. */
export function decideUrl(publicUrl: string, token: string): string {
  return `${publicUrl}/email/decide?token=${encodeURIComponent(token)}`;
}
