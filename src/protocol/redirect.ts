/**
 * What the user pastes back after signing in: either the bare code, or the whole redirect URL (whose query
 * also carries `state` and `session_state`). We take the code, check `state` when there is one, and ignore
 * `session_state` instead of failing as the reference did.
 */
import { EntrakitError } from "../errors.ts";

export interface ExtractedCode {
  code: string;
  /** The `state` found in a pasted URL (already checked against the expected one). */
  state?: string;
}

export function extractAuthorizationCode(pasted: string, expectedState?: string): ExtractedCode {
  const input = pasted.trim();
  if (input === "") {
    throw new EntrakitError("usage", "The authorization code is empty.", {
      hint: "Paste the code, or the whole address the browser was redirected to.",
    });
  }
  const params = queryOf(input);
  if (!params) return { code: input };

  const error = params.get("error");
  if (error) {
    throw new EntrakitError("authentication_failed", `Sign-in did not complete: ${oneLine(error)}.`, {
      hint: `${oneLine(params.get("error_description") ?? "")} Generate a new login URL and sign in again.`.trim(),
    });
  }
  const code = params.get("code");
  if (!code) {
    throw new EntrakitError("usage", "The pasted address has no code parameter.", {
      hint: "Paste the address the browser shows after sign-in; it contains ?code=...",
    });
  }
  const state = params.get("state") ?? undefined;
  if (expectedState !== undefined && state !== undefined && state !== expectedState) {
    throw new EntrakitError(
      "authentication_failed",
      "The state in the redirect does not match this sign-in.",
      {
        hint: "Use the login URL generated for this sign-in, or generate a new one and sign in again.",
      },
    );
  }
  return state === undefined ? { code } : { code, state };
}

/** The query of a pasted URL or of a `code=...&state=...` fragment; undefined for a bare code. */
function queryOf(input: string): URLSearchParams | undefined {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(input)) {
    const url = new URL(input);
    // form_post and implicit-style redirects put parameters after '#'.
    return url.search.length > 1 ? url.searchParams : new URLSearchParams(url.hash.slice(1));
  }
  const query = input.startsWith("?") ? input.slice(1) : input;
  if (/(^|&)(code|error)=/.test(query)) return new URLSearchParams(query);
  return undefined;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}
