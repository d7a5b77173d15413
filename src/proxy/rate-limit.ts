/**
 * Token buckets per key (registration id, client address), in this process. Each replica limits on its
 * own, so a fleet of N replicas admits up to N times the configured rate; that bounds abuse without a
 * store round trip per request. Idle buckets are dropped so the map cannot grow without bound.
 */
import type { RateLimit } from "./config.ts";

interface Bucket {
  tokens: number;
  updated: number;
}

export class RateLimiter {
  readonly #capacity: number;
  readonly #refillPerMs: number;
  readonly #buckets = new Map<string, Bucket>();
  readonly #now: () => number;

  constructor(limit: RateLimit, now: () => number = Date.now) {
    this.#capacity = limit.requests;
    this.#refillPerMs = limit.requests / (limit.perSeconds * 1000);
    this.#now = now;
  }

  /** Takes one token: 0 when allowed, else the whole seconds to wait before the next one. */
  take(key: string): number {
    const now = this.#now();
    let bucket = this.#buckets.get(key);
    if (bucket) {
      bucket.tokens = Math.min(this.#capacity, bucket.tokens + (now - bucket.updated) * this.#refillPerMs);
      bucket.updated = now;
    } else {
      if (this.#buckets.size >= 100_000) this.#sweep(now);
      bucket = { tokens: this.#capacity, updated: now };
      this.#buckets.set(key, bucket);
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / this.#refillPerMs / 1000));
  }

  /** Forgets buckets that have refilled completely: they behave exactly like new ones. */
  #sweep(now: number): void {
    for (const [key, bucket] of this.#buckets) {
      if (bucket.tokens + (now - bucket.updated) * this.#refillPerMs >= this.#capacity) {
        this.#buckets.delete(key);
      }
    }
  }
}
