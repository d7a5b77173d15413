/**
 * The `auth_code` instance parameter, checked before any sign-in: a bare code, the whole redirect URL
 * (its `code` is taken and its `state` checked), a `code=...&state=...` query, or `refresh_token:<rt>`.
 * A code with `session_state` glued on but no `code=` cannot be told apart from the code itself, so it is
 * refused with the reference's text (reference-auth-module §2.5) instead of failing at Entra.
 */
import { EntrakitError } from "../errors.ts";

export const SESSION_STATE_REFUSAL =
  'Malformed auth_code parameter: Please copy the auth code from the redirected uri without any additional info and without the "session_state" query parameter.';

/** The value to redeem, or undefined when none is configured. */
export function checkAuthCode(value: string): string | undefined {
  const code = value.trim();
  if (code === "") return undefined;
  const parsed = /^[a-z][a-z0-9+.-]*:\/\//i.test(code) || /(^|[?&])code=/.test(code);
  if (!parsed && !code.startsWith("refresh_token:") && code.includes("session_state")) {
    throw new EntrakitError("configuration", SESSION_STATE_REFUSAL, {
      hint: "Set auth_code to the value of code= only, or paste the whole redirect URL.",
    });
  }
  return code;
}
