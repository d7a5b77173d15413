/**
 * The sign-in step the authorize, admin-consent and devicelogin pages share: the posted username and password
 * are checked (grants/password.ts `signIn`); a wrong one answers the same sign-in page again with Entra's
 * message, as Entra's own page does, and the caller stops there.
 */
import type { RequestContext, UserRecord } from "../contracts.ts";
import { sendHtml } from "../http-util.ts";
import type { IdentityContext } from "./context.ts";
import { AadstsError } from "./errors.ts";
import { signIn } from "./grants/password.ts";
import { signInPage } from "./pages.ts";
import type { TenantRef } from "./tenant.ts";

export interface SignInPageFields {
  /** The form's target (the page's own path). */
  action: string;
  interaction: string;
  /** The line under the heading ("to continue to Contoso"). */
  context: string;
  /** Fill the username field again after a failure. */
  keepLogin?: boolean;
}

/** The signed-in user, or undefined once the sign-in page has been answered again with the error. */
export function signInFromForm(
  ic: IdentityContext,
  ctx: RequestContext,
  tenant: TenantRef,
  form: URLSearchParams,
  page: SignInPageFields,
): UserRecord | undefined {
  const login = form.get("login") ?? "";
  try {
    return signIn(ic, tenant, login, form.get("passwd") ?? "");
  } catch (error) {
    if (!(error instanceof AadstsError)) throw error;
    sendHtml(
      ctx.res,
      200,
      signInPage({
        action: page.action,
        interaction: page.interaction,
        heading: "Sign in",
        context: page.context,
        error: error.message,
        ...(page.keepLogin && login !== "" ? { loginHint: login } : {}),
      }),
    );
    return undefined;
  }
}
