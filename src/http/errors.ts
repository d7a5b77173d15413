/**
 * Transport-level errors: what went wrong on the wire (network, TLS, proxy, timeouts) and what a service
 * said when it answered with an error status. Auth-level errors live in src/auth/errors.ts, which re-exports
 * these so callers have one import.
 */
import { EntrakitError, type ErrorCode } from "../errors.ts";
import { redactUrl } from "../log.ts";

export type NetworkFailureKind =
  | "connect_timeout"
  | "timeout"
  | "tls"
  | "proxy"
  | "dns"
  | "refused"
  | "reset"
  | "aborted"
  | "other";

/** The server could not be reached or the exchange broke off. `host` never includes a path or query. */
export class NetworkError extends EntrakitError {
  readonly kind: NetworkFailureKind;
  readonly host: string;
  /** The low-level code (`ECONNREFUSED`, `UND_ERR_CONNECT_TIMEOUT`, `DEPTH_ZERO_SELF_SIGNED_CERT`...). */
  readonly detail: string;

  constructor(kind: NetworkFailureKind, host: string, detail: string, options: { cause?: unknown } = {}) {
    const { message, hint } = NETWORK_MESSAGES[kind](host, detail);
    super("network", message, { hint, cause: options.cause });
    this.name = "NetworkError";
    this.kind = kind;
    this.host = host;
    this.detail = detail;
  }

  /** Worth another attempt: the same request may well succeed (TLS and proxy refusals will not). */
  get transient(): boolean {
    return TRANSIENT_KINDS.has(this.kind);
  }
}

const TRANSIENT_KINDS: ReadonlySet<NetworkFailureKind> = new Set([
  "connect_timeout",
  "timeout",
  "dns",
  "refused",
  "reset",
]);

/** Message and next step per failure kind; the reference's wording where users know it. */
const NETWORK_MESSAGES: Readonly<
  Record<NetworkFailureKind, (host: string, detail: string) => { message: string; hint: string }>
> = {
  connect_timeout: (host) => ({
    message: `Connection Timeout Error: could not connect to ${host} in time.`,
    hint: "Check that the server URL is correct and that the server is reachable from this host (firewall, proxy).",
  }),
  timeout: (host, detail) => ({
    message: `${host} did not answer in time (${detail}).`,
    hint: "Retry later, or raise the request timeout if the service is known to be slow.",
  }),
  tls: (host, detail) => ({
    message: `SSL Certificate Verification Failed for ${host} (${detail}).`,
    hint: "Add the server's CA certificate to the trusted CA files, or (for testing only) select 'Trust any certificate'.",
  }),
  proxy: (host, detail) => ({
    message: `Proxy Error while connecting to ${host} (${detail}).`,
    hint: "If 'Use system proxy' is selected, check HTTPS_PROXY/HTTP_PROXY/NO_PROXY or clear the checkbox.",
  }),
  dns: (host, detail) => ({
    message: `Could not resolve ${host} (${detail}).`,
    hint: "Check the host name and the cloud selection, and that DNS works from this host.",
  }),
  refused: (host, detail) => ({
    message: `${host} refused the connection (${detail}).`,
    hint: "Verify that the server URL is correct and that you have access to the server from this host.",
  }),
  reset: (host, detail) => ({
    message: `The connection to ${host} was closed unexpectedly (${detail}).`,
    hint: "Retry; if it persists, check proxies or firewalls between this host and the server.",
  }),
  aborted: (host) => ({
    message: `The request to ${host} was cancelled.`,
    hint: "Nothing to fix unless the cancellation was unexpected.",
  }),
  other: (host, detail) => ({
    message: `Could not reach ${host} (${detail}).`,
    hint: "Verify that the server URL is correct and that you have access to the server from this host.",
  }),
};

/** Low-level codes mapped to a kind; the first code found along the `cause` chain decides. */
const CODE_KINDS: ReadonlyArray<readonly [RegExp, NetworkFailureKind]> = [
  [/^UND_ERR_CONNECT_TIMEOUT$|^ETIMEDOUT$|^ESOCKETTIMEDOUT$/, "connect_timeout"],
  [/^UND_ERR_(HEADERS|BODY)_TIMEOUT$|^TimeoutError$|^ABORT_ERR_TIMEOUT$/, "timeout"],
  [/CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|ERR_SSL/, "tls"],
  [/^ENOTFOUND$|^EAI_AGAIN$|^EAI_NONAME$|^EAI_FAIL$/, "dns"],
  [/^ECONNREFUSED$|^EHOSTUNREACH$|^ENETUNREACH$|^EADDRNOTAVAIL$/, "refused"],
  [/^ECONNRESET$|^EPIPE$|^UND_ERR_SOCKET$|^UND_ERR_CLOSED$|^ECONNABORTED$/, "reset"],
  [/^AbortError$|^UND_ERR_ABORTED$/, "aborted"],
];

/**
 * Turns whatever undici or Node threw into a NetworkError. `viaProxy` says the request went through a
 * proxy: a refused or failed tunnel then points at the proxy, not at the server.
 */
export function classifyNetworkError(error: unknown, url: string, viaProxy = false): NetworkError {
  if (error instanceof NetworkError) return error;
  const host = hostOf(url);
  const chain = causeChain(error);
  const codes = chain.map(codeOf).filter((code): code is string => code !== undefined);
  const tunnelRefused = chain.some((item) => /when HTTP Tunneling|Proxy response/i.test(messageOf(item)));
  if (tunnelRefused) return new NetworkError("proxy", host, firstProxyStatus(chain), { cause: error });
  for (const code of codes) {
    const kind = CODE_KINDS.find(([pattern]) => pattern.test(code))?.[1];
    if (kind === undefined) continue;
    const blamed = viaProxy && (kind === "refused" || kind === "dns") ? "proxy" : kind;
    return new NetworkError(blamed, host, code, { cause: error });
  }
  return new NetworkError("other", host, codes[0] ?? (error instanceof Error ? error.name : "error"), {
    cause: error,
  });
}

/** A non-2xx answer from an API, with the service's own error code, message and request id. */
export class HttpStatusError extends EntrakitError {
  readonly status: number;
  /** `error.code` (Graph/ARM) or the OAuth `error`, when the body had one. */
  readonly serviceCode: string | undefined;
  readonly serviceMessage: string;
  /** `request-id` / `x-ms-request-id` header, or `innerError.request-id` in the body. */
  readonly requestId: string | undefined;
  /** The request URL with secret query parameters redacted. */
  readonly url: string;

  constructor(
    status: number,
    url: string,
    service: { code?: string | undefined; message: string; requestId?: string | undefined },
    options: { code?: ErrorCode; hint?: string; cause?: unknown } = {},
  ) {
    const what = service.code ? `${status} ${service.code}` : `${status}`;
    const tail = service.message ? `: ${service.message}` : ".";
    const id = service.requestId ? ` (request id ${service.requestId})` : "";
    super(options.code ?? errorCodeForStatus(status), `Error in API call [${what}]${tail}${id}`, {
      hint: options.hint ?? hintForStatus(status),
      cause: options.cause,
    });
    this.name = "HttpStatusError";
    this.status = status;
    this.serviceCode = service.code;
    this.serviceMessage = service.message;
    this.requestId = service.requestId;
    this.url = redactUrl(url);
  }
}

/** Throttling that outlasted the retry budget. `retryAfterMs` is what the server last asked for. */
export class ThrottledError extends EntrakitError {
  readonly retryAfterMs: number | undefined;
  readonly status: number;

  constructor(host: string, status: number, retryAfterMs: number | undefined, attempts: number) {
    const wait =
      retryAfterMs === undefined ? "" : ` The server asked to wait ${Math.ceil(retryAfterMs / 1000)} s.`;
    super(
      "throttled",
      `${host} is throttling requests (HTTP ${status}) after ${attempts} attempt(s).${wait}`,
      {
        hint: "Run the command again later, or lower how often it runs.",
      },
    );
    this.name = "ThrottledError";
    this.retryAfterMs = retryAfterMs;
    this.status = status;
  }
}

const STATUS_CODES: ReadonlyArray<readonly [(status: number) => boolean, ErrorCode]> = [
  [(s) => s === 401, "authentication_failed"],
  [(s) => s === 403, "permission_denied"],
  [(s) => s === 404, "not_found"],
  [(s) => s === 409 || s === 412, "conflict"],
  [(s) => s === 429, "throttled"],
  [(s) => s >= 500, "network"],
  [(s) => s >= 400, "usage"],
];

export function errorCodeForStatus(status: number): ErrorCode {
  return STATUS_CODES.find(([test]) => test(status))?.[1] ?? "internal";
}

const STATUS_HINTS: ReadonlyArray<readonly [(status: number) => boolean, string]> = [
  [(s) => s === 401, "The token was refused: check the credential, the cloud and the token's audience."],
  [
    (s) => s === 403,
    "The identity lacks a permission or role for this call: grant it and give admin consent.",
  ],
  [(s) => s === 404, "Check the identifiers in the request (they may not exist in this tenant or cloud)."],
  [(s) => s === 429, "Run the command again later."],
  [(s) => s >= 500, "The service had a problem: retry later."],
];

function hintForStatus(status: number): string | undefined {
  return STATUS_HINTS.find(([test]) => test(status))?.[1];
}

export function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return "the server";
  }
}

function causeChain(error: unknown): unknown[] {
  const chain: unknown[] = [];
  let current: unknown = error;
  while (current !== undefined && current !== null && chain.length < 8) {
    chain.push(current);
    if (current instanceof AggregateError) chain.push(...current.errors);
    current = (current as { cause?: unknown }).cause;
  }
  return chain;
}

function codeOf(item: unknown): string | undefined {
  if (typeof item !== "object" || item === null) return undefined;
  const code = (item as { code?: unknown }).code;
  if (typeof code === "string" && code !== "") return code;
  const name = (item as { name?: unknown }).name;
  return name === "AbortError" || name === "TimeoutError" ? String(name) : undefined;
}

function messageOf(item: unknown): string {
  return item instanceof Error ? item.message : "";
}

function firstProxyStatus(chain: unknown[]): string {
  for (const item of chain) {
    const match = /Proxy response \((\d+)\)/.exec(messageOf(item));
    if (match) return `proxy answered ${match[1]}`;
  }
  return "tunnel refused";
}
