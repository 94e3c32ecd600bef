// Why an OpenID Connect sign-in was refused, in words for the person who tried: the page shows `message`.
export type SignInRefusal =
  | "no_pending_sign_in"
  | "state_mismatch"
  | "provider_refused"
  | "provider_unavailable"
  | "wrong_issuer"
  | "not_verified"
  | "no_email"
  | "email_unverified"
  | "unknown_operator";

export class SignInRefused extends Error {
  constructor(
    readonly reason: SignInRefusal,
    message: string,
    /** The email the provider vouched for, when it got that far. */
    readonly email?: string,
  ) {
    super(message);
    this.name = "SignInRefused";
  }

  /** 502 when the provider could not be reached, 403 when the person is not let in, 400 otherwise. */
  get status(): number {
    if (this.reason === "provider_unavailable") return 502;
    if (this.reason === "unknown_operator" || this.reason === "email_unverified") return 403;
    return 400;
  }
}
