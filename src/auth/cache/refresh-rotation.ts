/**
 * Crash-safe refresh-token rotation. Redeeming a refresh token may consume it (the emulator's are single
 * use by default, see `identity.refreshTokenReuse`), so redemptions of one refresh token must never overlap,
 * in a process or across them:
 *
 * 1. take the record's lease (one redeemer fleet-wide; others wait, then read the rotated token);
 * 2. read the refresh token and its version under the lease;
 * 3. redeem it;
 * 4. commit the successor with compare-and-set on the version read, before the access token is returned;
 * 5. release the lease.
 *
 * The stored record is only ever replaced whole by its successor, never deleted or blanked first, so a
 * process killed at any step leaves the last token the store knew as valid; a dead holder's lease
 * expires and the next process carries on from the store. The one window no client can close is between
 * the server consuming the token and step 4: there the successor exists only in the dying process. Entra
 * keeps the previous refresh token usable, so the stored one still works there; against a strictly
 * single-use server a sign-in is needed (docs/token-cache.md).
 */
import type { Json, Store } from "../../store/types.ts";
import { acquireOrObserve, DEFAULT_LEASE_WAIT, holdLease, type LeaseWaitOptions } from "./lease-wait.ts";

/** Steps reported to `onStep` (tracing, and the crash tests that kill a process at each of them). */
export type RotationStep = "leased" | "read" | "redeemed" | "committed" | "released";

export interface RotationOptions {
  /** The Store and namespace holding the refresh token. */
  store: Store;
  namespace: string;
  /** The refresh-token record's key. */
  key: string;
  leaseTtlMs?: number;
  waitTimeoutMs?: number;
  onStep?: (step: RotationStep) => void;
}

/** What a redemption returns: its result, and the record to store in place of the one it consumed. */
export interface Redemption<T> {
  result: T;
  /** The successor record; undefined when the server sent no new refresh token (keep the old one). */
  next?: Json;
}

/**
 * Per-process queue per record id: one process never races itself (the lease is not re-entrant), and
 * credentials without a Store still never redeem one refresh token twice at once.
 */
const queues = new Map<string, Promise<unknown>>();

export function serializeInProcess<T>(id: string, work: () => Promise<T>): Promise<T> {
  const previous = queues.get(id) ?? Promise.resolve();
  const run = previous.then(work, work);
  const tail = run.catch(() => undefined);
  queues.set(id, tail);
  tail.then(() => {
    if (queues.get(id) === tail) queues.delete(id);
  });
  return run;
}

/**
 * Runs `redeem` with the current stored record (undefined when none) under the record's lease, and
 * commits `next` with compare-and-set before resolving. A conflict means someone stored a newer sign-in
 * meanwhile (without the lease); that newer record is kept, and this result is still valid to return.
 */
export function rotateRefreshToken<T>(
  options: RotationOptions,
  redeem: (current: Json | undefined) => Promise<Redemption<T>>,
  wait: Partial<LeaseWaitOptions> = {},
): Promise<T> {
  const { store, namespace, key, onStep } = options;
  const waitOptions: LeaseWaitOptions = {
    ...DEFAULT_LEASE_WAIT,
    ...wait,
    ...(options.leaseTtlMs ? { leaseTtlMs: options.leaseTtlMs } : {}),
    ...(options.waitTimeoutMs ? { waitTimeoutMs: options.waitTimeoutMs } : {}),
  };
  return serializeInProcess(`${namespace}\u0000${key}`, async () => {
    const outcome = await acquireOrObserve(
      store,
      namespace,
      `${key}.rotation`,
      async () => undefined,
      waitOptions,
      "rotate the refresh token",
    );
    if (!("lease" in outcome)) throw new Error("unreachable: rotation never observes a value");
    onStep?.("leased");
    const result = await holdLease(store, outcome.lease, waitOptions.leaseTtlMs, async () => {
      const current = await store.get<Json>(namespace, key);
      onStep?.("read");
      const redemption = await redeem(current?.value);
      onStep?.("redeemed");
      if (redemption.next !== undefined) {
        await store.set(namespace, key, redemption.next, {
          seal: true,
          expectedVersion: current?.version ?? 0,
        });
        onStep?.("committed");
      }
      return redemption.result;
    });
    onStep?.("released");
    return result;
  });
}
