// The OpenID Connect sign-in as the console wires it: the routes (routes.ts) handed the console's
// sessions, its pages and its rule for who may sign in.
import { oidcRefusedPage } from "../../../blocks/html/oidc.tsx";
import { isKnownPerson, signIn } from "../auth.ts";
import type { WebContext } from "../context.ts";
import { safeNext } from "../routes/login.ts";
import type { OidcRouteDeps } from "./routes.ts";
import type { OidcSignIn } from "./sign-in.ts";

export function oidcRouteDeps(web: WebContext, oidc: OidcSignIn): OidcRouteDeps {
  return {
    oidc,
    publicUrl: web.publicUrl,
    secureCookies: web.secureCookies,
    isKnownPerson: (email) => isKnownPerson(web, email),
    signIn: (reply, email) => signIn(web, reply, email, "oidc"),
    refusedPage: (refusal) => oidcRefusedPage({ reason: refusal.reason, message: refusal.message }),
    landing: "/console/approvals",
    safeNext,
  };
}
