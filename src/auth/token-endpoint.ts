/**
 * One token endpoint round trip: post the grant's form, parse a success, or hand back the parsed Entra
 * error so a flow can branch on it (device-code polling) before turning it into an error for the user.
 */
import { EntrakitError } from "../errors.ts";
import type { FormFields } from "../protocol/token-request.ts";
import { parseTokenResponse, type TokenResponse } from "../protocol/token-response.ts";
import { type AuthHttp, postForm } from "./transport.ts";

export type TokenEndpointResult =
  | { ok: true; token: TokenResponse }
  | { ok: false; failure: TokenEndpointFailure };

export interface TokenEndpointFailure {
  status: number;
  /** OAuth `error`, when the body had one. */
  error?: string;
  errorCodes: number[];
  body: unknown;
  text: string;
}

export async function callTokenEndpoint(
  http: AuthHttp,
  url: string,
  fields: FormFields,
  now: () => number,
): Promise<TokenEndpointResult> {
  const started = now();
  const response = await postForm(http, url, fields);
  if (response.status >= 200 && response.status < 300) {
    return { ok: true, token: parseTokenResponse(response.json, started) };
  }
  const record =
    response.json && typeof response.json === "object" ? (response.json as Record<string, unknown>) : {};
  const failure: TokenEndpointFailure = {
    status: response.status,
    errorCodes: Array.isArray(record.error_codes)
      ? record.error_codes.filter((code): code is number => typeof code === "number")
      : [],
    body: response.json,
    text: response.text,
  };
  if (typeof record.error === "string") failure.error = record.error;
  return { ok: false, failure };
}

/** Posts and returns the token, or throws the authentication error for the failure. */
export async function requestToken(
  http: AuthHttp,
  url: string,
  fields: FormFields,
  now: () => number,
): Promise<TokenResponse> {
  const result = await callTokenEndpoint(http, url, fields, now);
  if (result.ok) return result.token;
  throw tokenEndpointError(result.failure);
}

/** The reference's message format, without its `None: None` and trace-line noise. */
export function tokenEndpointError(failure: TokenEndpointFailure): EntrakitError {
  const record =
    failure.body && typeof failure.body === "object" ? (failure.body as Record<string, unknown>) : undefined;
  const description =
    typeof record?.error_description === "string"
      ? record.error_description
          .replace(/^[^:]+:\s/, "")
          .split(/\s*(?:Trace ID:|Correlation ID:|Timestamp:)/)[0]!
          .trim()
      : "";
  const body = failure.error
    ? `${failure.error}. ${description}`.trim()
    : failure.text.slice(0, 200).replace(/\s+/g, " ").trim();
  return new EntrakitError(
    "authentication_failed",
    `Error in Microsoft authorization. Status: ${failure.status}${body ? `, body: ${body}` : ""}`,
  );
}
