/**
 * Cross-process single flight on a Store lease: take the lease, or wait for whoever holds it to commit
 * a result (polling with exponential backoff and jitter, bounded), taking over when the holder died and
 * its lease expired. While held, the lease is renewed so a slow network call does not lose it.
 */
import { randomBytes } from "node:crypto";
import { EntrakitError } from "../../errors.ts";
import type { Lease, Store } from "../../store/types.ts";

export interface LeaseWaitOptions {
  /** Lease lifetime; a dead holder blocks others at most this long. */
  leaseTtlMs: number;
  /** Give up waiting after this long with a `store` error. */
  waitTimeoutMs: number;
  /** First poll delay; doubles up to `maxPollMs`, each multiplied by a jitter factor in [0.5, 1.5). */
  firstPollMs: number;
  maxPollMs: number;
  now: () => number;
  random: () => number;
  sleep: (ms: number) => Promise<void>;
}

export const DEFAULT_LEASE_WAIT: LeaseWaitOptions = {
  leaseTtlMs: 15_000,
  waitTimeoutMs: 60_000,
  firstPollMs: 5,
  maxPollMs: 250,
  now: Date.now,
  random: Math.random,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** A lease owner unique per process and attempt (leases are not re-entrant). */
export function leaseOwner(): string {
  return `${process.pid}.${randomBytes(6).toString("hex")}`;
}

export type LeaseOutcome<T> = { lease: Lease } | { value: T };

/**
 * Resolves with the lease, or with the value `observe` found committed by the holder meanwhile.
 * `observe` is called after each failed attempt; it returns undefined while there is nothing usable.
 */
export async function acquireOrObserve<T>(
  store: Store,
  namespace: string,
  name: string,
  observe: () => Promise<T | undefined>,
  options: LeaseWaitOptions,
  what: string,
): Promise<LeaseOutcome<T>> {
  const started = options.now();
  let delay = options.firstPollMs;
  for (;;) {
    const lease = await store.acquireLease(namespace, name, {
      owner: leaseOwner(),
      ttlMs: options.leaseTtlMs,
    });
    if (lease) return { lease };
    await options.sleep(delay * (0.5 + options.random()));
    delay = Math.min(options.maxPollMs, delay * 2);
    const value = await observe();
    if (value !== undefined) return { value };
    if (options.now() - started >= options.waitTimeoutMs) {
      throw new EntrakitError(
        "store",
        `Gave up after ${Math.round(options.waitTimeoutMs / 1000)} s waiting for another process to ${what} (instance "${namespace}").`,
        {
          hint: "That process may be stuck on a slow token endpoint; check the network, or raise waitTimeoutMs.",
        },
      );
    }
  }
}

/** Runs `work` while holding `lease`, renewing it every third of its lifetime, and releases it after. */
export async function holdLease<T>(
  store: Store,
  lease: Lease,
  ttlMs: number,
  work: () => Promise<T>,
): Promise<T> {
  let current: Lease | undefined = lease;
  const timer = setInterval(
    () => {
      if (!current) return;
      store.renewLease(current, ttlMs).then(
        (renewed) => {
          current = renewed;
        },
        () => {
          // A failed renewal is retried on the next tick; if the lease lapses meanwhile, the worst case
          // is a second holder fetching the same token, and compare-and-set keeps the record consistent.
        },
      );
    },
    Math.max(1, Math.floor(ttlMs / 3)),
  );
  timer.unref();
  try {
    return await work();
  } finally {
    clearInterval(timer);
    if (current) await store.releaseLease(current).catch(() => false);
  }
}
