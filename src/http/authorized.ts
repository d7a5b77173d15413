/**
 * Calling an API with a bearer token: fetch the token from a credential-like source, send, and on a 401
 * get a fresh token (passing on a `claims` challenge from WWW-Authenticate) and try exactly once more.
 * The credential owns caching; this owns the one-retry rule so every API client behaves the same.
 */
import type { HttpClient, HttpRequest, HttpResponse } from "./client.ts";
import { errorForResponse } from "./service-error.ts";

export interface TokenRequest {
  scopes?: readonly string[];
  resource?: string;
  claims?: string;
  forceRefresh?: boolean;
}

/** Anything with `getToken` (every credential in src/auth). */
export interface TokenSource {
  getToken(options?: TokenRequest): Promise<{ token: string }>;
}

/** What the token is for: v2 scopes or a v1 resource. */
export type TokenAudience = { scopes: readonly string[] } | { resource: string };

/**
 * Sends `request` with `Authorization: Bearer <token>`. On 401, asks the source for a fresh token (with
 * the challenge's claims, if any) and resends once. Resolves with the final response, whatever its status.
 */
export async function authorizedRequest(
  client: HttpClient,
  source: TokenSource,
  audience: TokenAudience,
  request: HttpRequest,
): Promise<HttpResponse> {
  const first = await source.getToken({ ...audience });
  const response = await client.send(withBearer(request, first.token));
  if (response.status !== 401) return response;
  const claims = claimsChallenge(response.headers["www-authenticate"]);
  const fresh = await source.getToken({ ...audience, forceRefresh: true, ...(claims ? { claims } : {}) });
  client.logger.debug("401 from the API: retrying once with a fresh token", { claims: claims !== undefined });
  return client.send(withBearer(request, fresh.token));
}

export interface JsonRequest extends Omit<HttpRequest, "body"> {
  /** A JSON body (sent with content-type application/json). */
  json?: unknown;
}

/**
 * An authorized JSON call: the parsed body of a 2xx (undefined for 204 or an empty body), or the typed
 * error for the status (HttpStatusError, ThrottledError).
 */
export async function authorizedJson(
  client: HttpClient,
  source: TokenSource,
  audience: TokenAudience,
  request: JsonRequest,
): Promise<unknown> {
  const { json, ...rest } = request;
  const headers: Record<string, string> = { accept: "application/json", ...rest.headers };
  const body = json === undefined ? undefined : JSON.stringify(json);
  if (body !== undefined) headers["content-type"] = "application/json";
  const response = await authorizedRequest(client, source, audience, { ...rest, headers, body });
  return jsonBody(response);
}

/** The parsed body of a 2xx response, or the typed error for any other status. */
export function jsonBody(response: HttpResponse): unknown {
  if (response.status < 200 || response.status >= 300) throw errorForResponse(response);
  if (response.status === 204 || response.text.trim() === "") return undefined;
  try {
    return JSON.parse(response.text);
  } catch {
    throw errorForResponse({
      ...response,
      status: 502,
      text: "The service answered with a body that is not JSON.",
    });
  }
}

/**
 * The `claims` of a `WWW-Authenticate: Bearer ... error="insufficient_claims", claims="<base64 JSON>"`
 * challenge, decoded to the JSON text Entra expects back. Undefined when there is none.
 */
export function claimsChallenge(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /\bclaims="([^"]+)"/i.exec(header);
  if (!match) return undefined;
  const raw = match[1]!;
  if (raw.trimStart().startsWith("{")) return raw;
  const decoded = Buffer.from(raw, "base64").toString("utf8");
  return decoded.trimStart().startsWith("{") ? decoded : undefined;
}

function withBearer(request: HttpRequest, token: string): HttpRequest {
  return { ...request, headers: { ...request.headers, authorization: `Bearer ${token}` } };
}
