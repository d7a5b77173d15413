/**
 * How credentials talk HTTP: the project's one client (src/http: proxy, TLS trust, timeouts, retries)
 * seen through the small request/response shape the flows need, so tests and callers can inject or wrap it.
 */
import { createHttpClient, type HttpClientOptions } from "../http/index.ts";
import { type FormFields, formBody } from "../protocol/token-request.ts";

export interface AuthHttpRequest {
  method: "GET" | "POST";
  url: string;
  headers?: Record<string, string>;
  body?: string;
  /** Managed identity endpoints are link-local or loopback: never send them through a proxy. */
  direct?: boolean;
  /** `false` when the flow applies its own retry policy (managed identity, OAuth proxy back-off). */
  retry?: false;
}

export interface AuthHttpResponse {
  status: number;
  /** Lower-case header names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  text: string;
}

/** Resolves with any status; rejects only when the server could not be reached (a NetworkError). */
export interface AuthHttp {
  send(request: AuthHttpRequest): Promise<AuthHttpResponse>;
}

/** Proxy, TLS trust ("trust any certificate", extra CAs), timeouts and retries of src/http. */
export type AuthHttpSettings = HttpClientOptions;

export function createAuthHttp(settings: AuthHttpSettings = {}): AuthHttp {
  return createHttpClient(settings);
}

let shared: AuthHttp | undefined;
export function defaultAuthHttp(): AuthHttp {
  shared ??= createHttpClient();
  return shared;
}

/** POSTs a form to a token-style endpoint and returns the response with its parsed JSON body. */
export async function postForm(
  http: AuthHttp,
  url: string,
  fields: FormFields,
): Promise<AuthHttpResponse & { json: unknown }> {
  const response = await http.send({
    method: "POST",
    url,
    headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
    body: formBody(fields),
  });
  return { ...response, json: parseJson(response.text) };
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
