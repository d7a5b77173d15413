/**
 * Redirect URIs: matching a requested URI against the registered ones (loopback URIs match on any port,
 * as Entra treats them) and sending a response or an error back to the client in the requested
 * response mode (`query`, `fragment` or `form_post`).
 */
import type { ServerResponse } from "node:http";
import { redirect, sendHtml } from "../http-util.ts";
import { type AadstsError, errorBody } from "./errors.ts";
import { formPostPage } from "./pages.ts";

const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** Exact match, except that an `http` loopback URI ignores the port (RFC 8252 §7.3). */
export function redirectUriRegistered(registered: string[], requested: string): boolean {
  let wanted: URL;
  try {
    wanted = new URL(requested);
  } catch {
    return false;
  }
  return registered.some((uri) => {
    if (uri === requested) return true;
    let candidate: URL;
    try {
      candidate = new URL(uri);
    } catch {
      return false;
    }
    if (candidate.protocol !== "http:" || wanted.protocol !== "http:" || !LOOPBACK_HOSTS.has(wanted.hostname))
      return false;
    return (
      candidate.hostname === wanted.hostname &&
      candidate.pathname === wanted.pathname &&
      candidate.search === wanted.search
    );
  });
}

export type ResponseMode = "query" | "fragment" | "form_post";

export function respond(
  res: ServerResponse,
  redirectUri: string,
  mode: ResponseMode,
  fields: Record<string, string>,
): void {
  if (mode === "form_post") {
    // The auto-submit page needs its inline onload handler.
    sendHtml(res, 200, formPostPage(redirectUri, fields), {
      "content-security-policy":
        "default-src 'none'; script-src 'unsafe-inline'; form-action *; base-uri 'none'",
    });
    return;
  }
  const url = new URL(redirectUri);
  const params = new URLSearchParams(fields);
  if (mode === "fragment") url.hash = params.toString();
  else for (const [name, value] of params) url.searchParams.append(name, value);
  redirect(res, url.toString());
}

/** An error sent back to the client's redirect URI: Entra's error, description, codes and the state. */
export function errorFields(
  error: AadstsError,
  now: number,
  state: string | null,
  extra: Record<string, string> = {},
): Record<string, string> {
  const body = errorBody(error, now, undefined);
  const fields: Record<string, string> = {
    error: body.error,
    error_description: body.error_description,
    error_uri: body.error_uri,
    ...extra,
  };
  if (state !== null) fields.state = state;
  return fields;
}
