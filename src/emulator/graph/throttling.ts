/**
 * Per-tenant throttling, driven by the emulator clock so tests advance time instead of sleeping.
 * - `identityProtection`: Identity Protection's documented limit, one request per second per tenant
 *   across apps, answered with 429 and no `Retry-After` (its documented quirk).
 * - `generic`: Graph's usual throttling: after `limit` requests in a window of `windowSeconds`, answer
 *   `status` (429 or 503) with `Retry-After`; every call before that time is up fails again, with the
 *   seconds still to wait. When the time is up a new window starts.
 */
import { z } from "zod";
import { GraphError } from "./graph-error.ts";

export const throttlingSchema = z.discriminatedUnion("mode", [
  z.strictObject({ mode: z.literal("off") }),
  z.strictObject({ mode: z.literal("identityProtection") }),
  z.strictObject({
    mode: z.literal("generic"),
    status: z.union([z.literal(429), z.literal(503)]).default(429),
    retryAfterSeconds: z.number().int().min(1).max(3600).default(2),
    limit: z.number().int().min(1).max(1_000_000).default(1),
    windowSeconds: z.number().int().min(1).max(3600).default(10),
  }),
]);

export type ThrottlingMode = z.infer<typeof throttlingSchema>;

interface TenantThrottle {
  mode: ThrottlingMode;
  /** identityProtection: when the last request was let through. */
  lastAllowedAt: number;
  /** generic: the current window and how many requests it has used. */
  windowStart: number;
  used: number;
  blockedUntil: number;
}

export class Throttling {
  readonly #tenants = new Map<string, TenantThrottle>();

  set(tenantId: string, mode: ThrottlingMode): void {
    this.#tenants.set(tenantId.toLowerCase(), {
      mode,
      lastAllowedAt: Number.NEGATIVE_INFINITY,
      windowStart: Number.NEGATIVE_INFINITY,
      used: 0,
      blockedUntil: Number.NEGATIVE_INFINITY,
    });
  }

  mode(tenantId: string): ThrottlingMode {
    return this.#tenants.get(tenantId.toLowerCase())?.mode ?? { mode: "off" };
  }

  /** Throws the throttling answer when this request must not be served. */
  check(tenantId: string, identityProtection: boolean, now: number): void {
    const state = this.#tenants.get(tenantId.toLowerCase());
    if (!state) return;
    const mode = state.mode;
    if (mode.mode === "identityProtection") {
      if (!identityProtection) return;
      if (now - state.lastAllowedAt < 1000) {
        throw new GraphError(
          429,
          "TooManyRequests",
          "Too many requests. Identity Protection allows 1 request per second per tenant.",
        );
      }
      state.lastAllowedAt = now;
      return;
    }
    if (mode.mode !== "generic") return;
    if (now < state.blockedUntil) throw genericAnswer(mode, state.blockedUntil - now);
    if (now >= state.windowStart + mode.windowSeconds * 1000 || state.blockedUntil > state.windowStart) {
      state.windowStart = now;
      state.used = 0;
      state.blockedUntil = Number.NEGATIVE_INFINITY;
    }
    if (state.used >= mode.limit) {
      state.blockedUntil = now + mode.retryAfterSeconds * 1000;
      throw genericAnswer(mode, mode.retryAfterSeconds * 1000);
    }
    state.used += 1;
  }
}

function genericAnswer(mode: Extract<ThrottlingMode, { mode: "generic" }>, waitMs: number): GraphError {
  const seconds = String(Math.max(1, Math.ceil(waitMs / 1000)));
  return mode.status === 429
    ? new GraphError(
        429,
        "TooManyRequests",
        "Too many requests. Retry after the time in the Retry-After header.",
        {
          "retry-after": seconds,
        },
      )
    : new GraphError(
        503,
        "serviceNotAvailable",
        "The service is temporarily unavailable. Retry after the time in the Retry-After header.",
        {
          "retry-after": seconds,
        },
      );
}
