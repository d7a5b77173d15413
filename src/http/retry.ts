/**
 * The one retry policy: which outcomes are worth another attempt and how long to wait first. The decision
 * is a pure function of (policy, attempt, outcome, clock, random); the runner below adds the waiting, with
 * sleep/clock/random injectable so tests never sleep.
 *
 * - network errors that may pass (timeouts, resets, refused, DNS), 408 and 5xx except 501/505: exponential
 *   backoff with jitter;
 * - 429 and 503 with `Retry-After` (seconds or HTTP date; also `retry-after-ms`, `x-ms-retry-after-ms`):
 *   wait what the server asked, unless it is beyond `maxRetryAfterMs` (then give up and say so);
 * - 429 without `Retry-After`: a bounded backoff of its own (throttling needs longer waits than glitches).
 */
import type { NetworkError } from "./errors.ts";

export interface RetryPolicy {
  /** Retries after the first attempt. 0 turns retrying off. */
  maxRetries: number;
  /** First exponential delay; doubles per retry. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** First delay for a 429 without Retry-After; doubles per retry up to `maxThrottleDelayMs`. */
  throttleBaseDelayMs: number;
  maxThrottleDelayMs: number;
  /** A Retry-After longer than this is not waited for: the request fails as throttled instead. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = {
  maxRetries: 3,
  baseDelayMs: 1_000,
  maxDelayMs: 64_000,
  throttleBaseDelayMs: 5_000,
  maxThrottleDelayMs: 60_000,
  maxRetryAfterMs: 120_000,
};

export const NO_RETRY: Readonly<RetryPolicy> = { ...DEFAULT_RETRY_POLICY, maxRetries: 0 };

/** What one attempt produced: a response (status + lower-case headers) or a classified network error. */
export type AttemptOutcome =
  | { status: number; headers: Readonly<Record<string, string>> }
  | { error: NetworkError };

export type RetryDecision =
  | { retry: true; delayMs: number; reason: string }
  | { retry: false; reason?: string; retryAfterMs?: number };

/** Statuses worth retrying with backoff (408, 5xx without 501/505). 429 and 503 are decided with Retry-After. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || (status >= 500 && status !== 501 && status !== 505);
}

/**
 * Decides whether attempt number `retriesDone + 1` should happen and after what delay.
 * `now` is epoch milliseconds (for HTTP-date Retry-After); `random` returns [0, 1).
 */
export function decideRetry(
  policy: RetryPolicy,
  retriesDone: number,
  outcome: AttemptOutcome,
  now: number,
  random: () => number,
): RetryDecision {
  if ("error" in outcome) {
    if (!outcome.error.transient) return { retry: false, reason: `not retryable (${outcome.error.kind})` };
    if (retriesDone >= policy.maxRetries) return { retry: false, reason: "retries exhausted" };
    return {
      retry: true,
      delayMs: jittered(policy.baseDelayMs, policy.maxDelayMs, retriesDone, random),
      reason: `network error (${outcome.error.detail})`,
    };
  }
  const { status, headers } = outcome;
  if (!isRetryableStatus(status)) return { retry: false };
  const retryAfterMs = status === 429 || status === 503 ? parseRetryAfter(headers, now) : undefined;
  if (retryAfterMs !== undefined && retryAfterMs > policy.maxRetryAfterMs) {
    return { retry: false, reason: "Retry-After beyond the wait budget", retryAfterMs };
  }
  if (retriesDone >= policy.maxRetries) {
    return retryAfterMs === undefined
      ? { retry: false, reason: "retries exhausted" }
      : { retry: false, reason: "retries exhausted", retryAfterMs };
  }
  if (retryAfterMs !== undefined) {
    return { retry: true, delayMs: retryAfterMs, reason: `HTTP ${status} with Retry-After` };
  }
  if (status === 429) {
    return {
      retry: true,
      delayMs: jittered(policy.throttleBaseDelayMs, policy.maxThrottleDelayMs, retriesDone, random),
      reason: "HTTP 429 without Retry-After",
    };
  }
  return {
    retry: true,
    delayMs: jittered(policy.baseDelayMs, policy.maxDelayMs, retriesDone, random),
    reason: `HTTP ${status}`,
  };
}

/**
 * Milliseconds the server asked to wait, from `retry-after-ms` / `x-ms-retry-after-ms` (milliseconds) or
 * `retry-after` (delta seconds or an HTTP date). A date in the past means "now" (0). Undefined if absent
 * or unreadable. Header names must be lower case.
 */
export function parseRetryAfter(headers: Readonly<Record<string, string>>, now: number): number | undefined {
  for (const name of ["retry-after-ms", "x-ms-retry-after-ms"]) {
    const value = headers[name]?.trim();
    if (value && /^\d+(\.\d+)?$/.test(value)) return Math.ceil(Number(value));
  }
  const value = headers["retry-after"]?.trim();
  if (!value) return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/** "Equal jitter": half the exponential delay fixed, half random, so waits spread but never collapse to 0. */
function jittered(base: number, max: number, retriesDone: number, random: () => number): number {
  const exponential = Math.min(max, base * 2 ** retriesDone);
  return Math.round(exponential / 2 + (random() * exponential) / 2);
}

/** One wait before a retry, as reported to a progress callback. */
export interface RetryWait {
  /** The attempt about to be made (2 for the first retry). */
  attempt: number;
  delayMs: number;
  reason: string;
  /** Scheme, host and path only (never the query). */
  target: string;
}

export interface RetryClock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  random(): number;
}

export const SYSTEM_CLOCK: RetryClock = {
  now: () => Date.now(),
  random: () => Math.random(),
  sleep: (ms, signal) =>
    new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const timer = setTimeout(() => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      }, ms);
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal?.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
    }),
};

export interface RunWithRetriesOptions {
  policy: RetryPolicy;
  clock: RetryClock;
  target: string;
  onWait?: ((wait: RetryWait) => void) | undefined;
  signal?: AbortSignal | undefined;
}

/** What the runner hands back: the last response, or the last network error, with the final decision. */
export type RetryResult<R> =
  | { response: R; attempts: number; decision: RetryDecision }
  | { error: NetworkError; attempts: number };

/**
 * Runs `attempt` until the policy says stop. Responses (any status) are returned, not thrown: callers that
 * read error bodies (token endpoints) need them. Only network errors come back as `error`.
 */
export async function runWithRetries<R extends { status: number; headers: Readonly<Record<string, string>> }>(
  attempt: () => Promise<R | NetworkError>,
  options: RunWithRetriesOptions,
): Promise<RetryResult<R>> {
  for (let retriesDone = 0; ; retriesDone++) {
    const result = await attempt();
    const outcome: AttemptOutcome = "status" in result ? result : { error: result };
    const decision = decideRetry(options.policy, retriesDone, outcome, options.clock.now(), () =>
      options.clock.random(),
    );
    if (!decision.retry) {
      return "status" in result
        ? { response: result, attempts: retriesDone + 1, decision }
        : { error: result, attempts: retriesDone + 1 };
    }
    options.onWait?.({
      attempt: retriesDone + 2,
      delayMs: decision.delayMs,
      reason: decision.reason,
      target: options.target,
    });
    await options.clock.sleep(decision.delayMs, options.signal);
  }
}
