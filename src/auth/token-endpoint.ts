/**
 * One token endpoint round trip: post the grant's form, parse a success, or hand back the failure so a
 * flow can branch on it (device-code polling) before it becomes the diagnosed error a user sees.
 */
import { NetworkError } from "../http/index.ts";
import { parseEntraError } from "../protocol/entra-error.ts";
import type { FormFields } from "../protocol/token-request.ts";
import { parseTokenResponse, type TokenResponse } from "../protocol/token-response.ts";
import { authenticationFailed, authenticationUnreachable, type DiagnosisContext } from "./diagnostics.ts";
import type { AuthenticationFailedError } from "./errors.ts";
import { type AuthHttp, type AuthHttpResponse, postForm } from "./transport.ts";

export type TokenEndpointResult =
  | { ok: true; token: TokenResponse }
  | { ok: false; failure: TokenEndpointFailure };

export interface TokenEndpointFailure {
  status: number;
  /** OAuth `error`, when the body had one. */
  error?: string;
  errorCodes: number[];
  text: string;
}

/** Posts a form to the identity platform; unreachable hosts become the reference's authorization error. */
export async function postToIdentity(
  http: AuthHttp,
  url: string,
  fields: FormFields,
): Promise<AuthHttpResponse & { json: unknown }> {
  try {
    return await postForm(http, url, fields);
  } catch (error) {
    if (error instanceof NetworkError) throw authenticationUnreachable(error);
    throw error;
  }
}

export async function callTokenEndpoint(
  http: AuthHttp,
  url: string,
  fields: FormFields,
  now: () => number,
): Promise<TokenEndpointResult> {
  const started = now();
  const response = await postToIdentity(http, url, fields);
  if (response.status >= 200 && response.status < 300) {
    return { ok: true, token: parseTokenResponse(response.json, started) };
  }
  return { ok: false, failure: failureOf(response.status, response.text) };
}

export function failureOf(status: number, text: string): TokenEndpointFailure {
  const entra = parseEntraError(text);
  const failure: TokenEndpointFailure = { status, errorCodes: entra?.errorCodes ?? [], text };
  if (entra) failure.error = entra.error;
  return failure;
}

/** Posts and returns the token, or throws the diagnosed authentication error. */
export async function requestToken(
  http: AuthHttp,
  url: string,
  fields: FormFields,
  now: () => number,
  context: DiagnosisContext,
): Promise<TokenResponse> {
  const result = await callTokenEndpoint(http, url, fields, now);
  if (result.ok) return result.token;
  throw tokenEndpointError(result.failure, context);
}

/** `Error in Microsoft authorization. Status: <n>, body: <error>. <description>` with the family's hint. */
export function tokenEndpointError(
  failure: TokenEndpointFailure,
  context: DiagnosisContext,
): AuthenticationFailedError {
  return authenticationFailed(failure.status, failure.text, context);
}
