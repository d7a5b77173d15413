/**
 * Managed identity retry policies, as data (Microsoft's guidance and msal-node's numbers): IMDS retries
 * 404/408/429/5xx exponentially (1, 2, 4 s) and 410 — "IMDS is being updated" — linearly for up to 70 s;
 * the other sources retry 404/408/429/500/503/504 three times, waiting at least Retry-After. Waiting goes
 * through an injected sleep so tests never wait.
 */
import type { AuthHttpResponse } from "../transport.ts";

export interface RetryPolicy {
  /** Statuses retried with `delays`. */
  retryable: (status: number) => boolean;
  /** Delay before retry n (0-based), in milliseconds; the length is the retry count. */
  delays: readonly number[];
  /** IMDS 410: retried every `stepMs` until `budgetMs` has been spent waiting. */
  gone?: { stepMs: number; budgetMs: number };
}

export const IMDS_RETRY: RetryPolicy = {
  retryable: (status) => status === 404 || status === 408 || status === 429 || status >= 500,
  delays: [1000, 2000, 4000],
  gone: { stepMs: 10_000, budgetMs: 70_000 },
};

export const SOURCE_RETRY: RetryPolicy = {
  retryable: (status) => [404, 408, 429, 500, 503, 504].includes(status),
  delays: [1000, 1000, 1000],
};

/** Seconds or an HTTP date, in milliseconds from `now`; undefined when absent or unreadable. */
export function retryAfterMs(headers: Record<string, string>, now: number): number | undefined {
  const value = headers["retry-after"];
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

export interface RetryReport {
  attempt: number;
  status: number;
  waitMs: number;
}

/** Sends until a non-retryable answer or the policy is spent; resolves to the last response. */
export async function sendWithRetry(
  send: () => Promise<AuthHttpResponse>,
  policy: RetryPolicy,
  sleep: (ms: number) => Promise<void>,
  now: () => number,
  onRetry?: (report: RetryReport) => void,
): Promise<AuthHttpResponse> {
  let retries = 0;
  let goneWaited = 0;
  for (let attempt = 1; ; attempt++) {
    const response = await send();
    let waitMs: number | undefined;
    if (response.status === 410 && policy.gone && goneWaited < policy.gone.budgetMs) {
      waitMs = Math.min(policy.gone.stepMs, policy.gone.budgetMs - goneWaited);
      goneWaited += waitMs;
    } else if (policy.retryable(response.status) && retries < policy.delays.length) {
      waitMs = Math.max(policy.delays[retries]!, retryAfterMs(response.headers, now()) ?? 0);
      retries++;
    }
    if (waitMs === undefined) return response;
    onRetry?.({ attempt, status: response.status, waitMs });
    await sleep(waitMs);
  }
}
