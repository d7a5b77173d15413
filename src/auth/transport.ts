/**
 * How credentials talk HTTP: one small request/response seam that every flow uses, so the transport
 * (proxy, TLS, timeouts, retries) is decided in one place. `AuthHttp` is what tests and callers inject.
 */
import { Agent, request } from "undici";
import { EntrakitError } from "../errors.ts";
import { type FormFields, formBody } from "../protocol/token-request.ts";

export interface AuthHttpRequest {
  method: "GET" | "POST";
  url: string;
  headers?: Record<string, string>;
  body?: string;
  /** Managed identity endpoints are link-local or loopback: never send them through a proxy. */
  direct?: boolean;
}

export interface AuthHttpResponse {
  status: number;
  /** Lower-case header names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  text: string;
}

export interface AuthHttp {
  send(request: AuthHttpRequest): Promise<AuthHttpResponse>;
}

export interface AuthHttpSettings {
  /** Extra PEM CA certificates to trust (e.g. the emulator's). */
  caCertificates?: string[];
  /** Request timeout in milliseconds (connect and body). Default 30 s. */
  timeoutMs?: number;
}

/** A keep-alive HTTP client with its own dispatcher (no process-wide TLS or proxy changes). */
export function createAuthHttp(settings: AuthHttpSettings = {}): AuthHttp {
  const timeout = settings.timeoutMs ?? 30_000;
  const dispatcher = new Agent({
    connect: { timeout, ...(settings.caCertificates ? { ca: settings.caCertificates } : {}) },
    headersTimeout: timeout,
    bodyTimeout: timeout,
  });
  return {
    async send(req) {
      try {
        const response = await request(req.url, {
          method: req.method,
          headers: req.headers ?? {},
          body: req.body ?? null,
          dispatcher,
        });
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(response.headers)) {
          if (value !== undefined)
            headers[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value;
        }
        return { status: response.statusCode, headers, text: await response.body.text() };
      } catch (error) {
        throw networkError(req.url, error);
      }
    },
  };
}

let shared: AuthHttp | undefined;
export function defaultAuthHttp(): AuthHttp {
  shared ??= createAuthHttp();
  return shared;
}

/** POSTs a form to a token-style endpoint and returns the parsed JSON body with the status. */
export async function postForm(
  http: AuthHttp,
  url: string,
  fields: FormFields,
): Promise<{ status: number; json: unknown; text: string; headers: Record<string, string> }> {
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

function networkError(url: string, error: unknown): EntrakitError {
  const host = safeHost(url);
  const reason = error instanceof Error ? ((error as { code?: string }).code ?? error.name) : "error";
  const tls = /CERT|SSL|TLS|SELF_SIGNED/i.test(String(reason));
  return new EntrakitError("network", `Could not reach ${host} (${reason}).`, {
    cause: error,
    hint: tls
      ? "The server's TLS certificate is not trusted: add its CA certificate, or check the host."
      : "Check the host name, the network and any proxy settings.",
  });
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return "the server";
  }
}
