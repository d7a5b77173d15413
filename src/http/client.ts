/**
 * The one HTTP client: undici `request` over the client's own dispatchers (transport.ts), every request
 * with timeouts, retried by the one policy (retry.ts), logged redacted. `send` resolves with any status
 * (token endpoints need to read error bodies) and rejects only with a NetworkError; json.ts and
 * authorized.ts turn statuses into typed errors for API callers.
 */
import { request } from "undici";
import { EntrakitError } from "../errors.ts";
import { type Logger, redactUrl, silentLogger } from "../log.ts";
import { classifyNetworkError, type NetworkError } from "./errors.ts";
import {
  DEFAULT_RETRY_POLICY,
  NO_RETRY,
  type RetryClock,
  type RetryDecision,
  type RetryPolicy,
  type RetryWait,
  runWithRetries,
  SYSTEM_CLOCK,
} from "./retry.ts";
import { createTransport, type Transport, type TransportOptions } from "./transport.ts";

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE" | "HEAD";

export interface HttpRequest {
  method: HttpMethod;
  url: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array | undefined;
  /** Never through a proxy (managed identity endpoints are link-local or loopback). */
  direct?: boolean;
  /** This request's retry policy: a partial override, or `false` for a single attempt. */
  retry?: Partial<RetryPolicy> | false;
  /** Overall budget for this request (each attempt), in milliseconds. Default: the client's. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface HttpResponse {
  status: number;
  /** Lower-case header names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  text: string;
  url: string;
  /** How many attempts were made (1 when nothing was retried). */
  attempts: number;
  /** Why the last response was not retried further (e.g. Retry-After beyond the budget). */
  retry?: RetryDecision;
}

export interface HttpClient {
  /** Sends with retries; resolves with any status; rejects only with a NetworkError. */
  send(request: HttpRequest): Promise<HttpResponse>;
  readonly transport: Transport;
  readonly logger: Logger;
  /** Closes this client's connection pools. */
  close(): Promise<void>;
}

export interface HttpClientOptions extends TransportOptions {
  /** Default retry policy (partial override of DEFAULT_RETRY_POLICY), or `false` for no retries. */
  retry?: Partial<RetryPolicy> | false;
  /** Told about every wait before a retry (status lines, progress bars). */
  onRetry?: (wait: RetryWait) => void;
  /** Injected clock, sleep and randomness (tests). */
  clock?: Partial<RetryClock>;
  /** Extra headers on every request (e.g. `user-agent`). Request headers win. */
  headers?: Record<string, string>;
}

const DEFAULT_HEADERS = { "user-agent": "entrakit" };

export function createHttpClient(options: HttpClientOptions = {}): HttpClient {
  const transport = createTransport(options);
  const logger = options.logger ?? silentLogger;
  const clock: RetryClock = { ...SYSTEM_CLOCK, ...options.clock };
  const basePolicy = resolvePolicy(DEFAULT_RETRY_POLICY, options.retry);
  const baseHeaders = { ...DEFAULT_HEADERS, ...lowerCaseKeys(options.headers ?? {}) };

  const attemptOnce = async (req: HttpRequest): Promise<Omit<HttpResponse, "attempts"> | NetworkError> => {
    const route = transport.dispatcherFor(req.url, req.direct === true);
    const timeout = AbortSignal.timeout(req.timeoutMs ?? transport.requestTimeoutMs);
    const signal = req.signal ? AbortSignal.any([req.signal, timeout]) : timeout;
    try {
      const response = await request(req.url, {
        method: req.method,
        headers: { ...baseHeaders, ...lowerCaseKeys(req.headers ?? {}) },
        body: req.body ?? null,
        dispatcher: route.dispatcher,
        signal,
      });
      const text = await response.body.text();
      return { status: response.statusCode, headers: flattenHeaders(response.headers), text, url: req.url };
    } catch (error) {
      const cause = timeout.aborted && !req.signal?.aborted ? timeout.reason : error;
      return classifyNetworkError(cause, req.url, route.proxy !== undefined);
    }
  };

  return {
    transport,
    logger,
    async send(req) {
      checkUrl(req.url);
      const policy = req.retry === undefined ? basePolicy : resolvePolicy(basePolicy, req.retry);
      const target = redactUrl(req.url).split("?")[0]!;
      const result = await runWithRetries(() => attemptOnce(req), {
        policy,
        clock,
        target,
        signal: req.signal,
        onWait: (wait) => {
          logger.info(`retrying ${req.method} ${target} in ${wait.delayMs} ms: ${wait.reason}`, {
            attempt: wait.attempt,
          });
          options.onRetry?.(wait);
        },
      }).catch((error: unknown) => {
        // Only a cancelled wait between attempts gets here; report it like a cancelled request.
        throw classifyNetworkError(req.signal?.aborted ? (req.signal.reason ?? error) : error, req.url);
      });
      if ("error" in result) {
        logger.debug(`${req.method} ${target} failed: ${result.error.detail}`, { attempts: result.attempts });
        throw result.error;
      }
      logger.debug(`${req.method} ${target} -> ${result.response.status}`, { attempts: result.attempts });
      return { ...result.response, attempts: result.attempts, retry: result.decision };
    },
    close: () => transport.close(),
  };
}

/** A one-line usage error for a URL undici would refuse with a cryptic message (never echoing its query). */
function checkUrl(url: string): void {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== "https:" && parsed.protocol !== "http:")) {
    throw new EntrakitError("usage", `Not an http(s) URL: ${redactUrl(url).split("?")[0]}`, {
      hint: "Give a full URL such as https://graph.microsoft.com/v1.0/users (check the base URL setting).",
    });
  }
}

function resolvePolicy(base: RetryPolicy, override: Partial<RetryPolicy> | false | undefined): RetryPolicy {
  if (override === false) return { ...base, maxRetries: NO_RETRY.maxRetries };
  return { ...base, ...override };
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value;
  }
  return out;
}

function lowerCaseKeys(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) out[name.toLowerCase()] = value;
  return out;
}
