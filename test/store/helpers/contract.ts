/**
 * The Store contract suite, run unchanged against every backend. `advance(ms)` moves time forward: the
 * injected clock for memory and SQLite, real time (a short sleep) for Redis, whose TTLs run on the server.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { describe, it } from "node:test";
import type { Store } from "../../../src/store/types.ts";

export interface ContractSubject {
  store: Store;
  advance(ms: number): Promise<void>;
}

export function storeContract(name: string, open: () => Promise<ContractSubject>): void {
  describe(`Store contract: ${name}`, () => {
    const ns = () => `instance ${randomUUID()}`;
    async function withStore(run: (subject: ContractSubject) => Promise<void>): Promise<void> {
      const subject = await open();
      try {
        await run(subject);
      } finally {
        await subject.store.close();
      }
    }

    it("round-trips every JSON shape and reports absent keys as undefined", () =>
      withStore(async ({ store }) => {
        const space = ns();
        const values = [
          { a: [1, "two", null, true], b: { c: 1.5 } },
          [],
          "text ✓ 😀",
          0,
          -12.25,
          false,
          null,
        ];
        for (const [i, value] of values.entries()) {
          assert.equal((await store.set(space, `k${i}`, value)).ok, true);
          const entry = await store.get(space, `k${i}`);
          assert.deepEqual(entry?.value, value);
          assert.equal(entry?.sealed, false);
          assert.equal(entry?.expiresAt, undefined);
        }
        assert.equal(await store.get(space, "missing"), undefined);
        assert.equal(await store.get(ns(), "k0"), undefined, "namespaces are separate");
      }));

    it("gives each write a larger version and compares-and-sets on it", () =>
      withStore(async ({ store }) => {
        const space = ns();
        const first = await store.set(space, "k", 1, { expectedVersion: 0 });
        assert.ok(first.ok);
        assert.deepEqual(await store.set(space, "k", 2, { expectedVersion: 0 }), {
          ok: false,
          conflict: true,
          currentVersion: first.version,
        });
        assert.deepEqual(await store.set(space, "k", 3, { expectedVersion: first.version + 1000 }), {
          ok: false,
          conflict: true,
          currentVersion: first.version,
        });
        assert.equal((await store.get(space, "k"))?.value, 1, "a lost CAS changes nothing");
        const second = await store.set(space, "k", 4, { expectedVersion: first.version });
        assert.ok(second.ok && second.version > first.version);
        assert.deepEqual(await store.get(space, "k"), { value: 4, version: second.version, sealed: false });
        const blind = await store.set(space, "k", 5);
        assert.ok(blind.ok && blind.version > second.version);
        assert.deepEqual(await store.set(space, "absent", 1, { expectedVersion: 7 }), {
          ok: false,
          conflict: true,
          currentVersion: 0,
        });
      }));

    it("never reuses a version after delete and re-create (no ABA)", () =>
      withStore(async ({ store }) => {
        const space = ns();
        const old = await store.set(space, "k", "a");
        assert.ok(old.ok);
        assert.equal(await store.delete(space, "k"), true);
        const again = await store.set(space, "k", "b", { expectedVersion: 0 });
        assert.ok(again.ok && again.version > old.version);
        assert.equal((await store.set(space, "k", "c", { expectedVersion: old.version })).ok, false);
      }));

    it("deletes, optionally only at an expected version", () =>
      withStore(async ({ store }) => {
        const space = ns();
        const written = await store.set(space, "k", "v");
        assert.ok(written.ok);
        assert.equal(await store.delete(space, "k", { expectedVersion: written.version + 1 }), false);
        assert.equal((await store.get(space, "k"))?.value, "v");
        assert.equal(await store.delete(space, "k", { expectedVersion: written.version }), true);
        assert.equal(await store.get(space, "k"), undefined);
        assert.equal(await store.delete(space, "k"), false);
      }));

    it("lists and clears keys by prefix, with awkward characters, without touching other namespaces", () =>
      withStore(async ({ store }) => {
        const space = `${ns()} {tag}*?[x]:%`;
        const other = ns();
        const keys = ["token:a", "token:b*", "token:[c]", "token:{d}?", "config", "tokens-other", "é:ü"];
        for (const key of keys) await store.set(space, key, key);
        await store.set(other, "token:a", "keep");
        assert.deepEqual(await store.list(space), [...keys].sort());
        assert.deepEqual(await store.list(space, "token:"), [
          "token:[c]",
          "token:a",
          "token:b*",
          "token:{d}?",
        ]);
        assert.deepEqual(await store.list(space, "token:["), ["token:[c]"]);
        assert.deepEqual(await store.list(space, "nothing"), []);
        assert.ok((await store.namespaces()).includes(space));
        assert.equal(await store.clear(space, { prefix: "token:" }), 4);
        assert.deepEqual(await store.list(space), ["config", "tokens-other", "é:ü"]);
        assert.equal((await store.get(other, "token:a"))?.value, "keep");
        assert.equal(await store.clear(space), 3);
        assert.deepEqual(await store.list(space), []);
        assert.ok(!(await store.namespaces()).includes(space), "an emptied namespace is not listed");
        assert.ok((await store.namespaces()).includes(other));
      }));

    it("expires records after their TTL, and a write without TTL makes a record permanent", () =>
      withStore(async ({ store, advance }) => {
        const space = ns();
        await store.set(space, "short", "v", { ttlMs: 200 });
        await store.set(space, "kept", "v", { ttlMs: 200 });
        await store.set(space, "kept", "w");
        const entry = await store.get(space, "short");
        assert.ok(entry?.expiresAt !== undefined && entry.expiresAt > Date.now() - 60_000);
        await advance(300);
        assert.equal(await store.get(space, "short"), undefined);
        assert.deepEqual(await store.list(space), ["kept"]);
        assert.equal((await store.get(space, "kept"))?.expiresAt, undefined);
        assert.equal((await store.set(space, "short", "new", { expectedVersion: 0 })).ok, true);
        assert.equal(await store.delete(space, "missing-after-expiry"), false);
      }));

    it("update() retries lost races so that no increment is lost", () =>
      withStore(async ({ store }) => {
        const space = ns();
        const bump = () => store.update<number>(space, "n", (n) => (n ?? 0) + 1, { maxAttempts: 100 });
        await Promise.all(Array.from({ length: 12 }, bump));
        assert.equal((await store.get(space, "n"))?.value, 12);
        assert.equal(await store.update(space, "n", () => undefined), undefined);
        assert.equal(await store.get(space, "n"), undefined, "returning undefined deletes");
      }));

    it("seals values on request and reads them back transparently", () =>
      withStore(async ({ store }) => {
        const space = ns();
        // A fractional TTL (computed from dates) is rounded up, not refused.
        await store.set(space, "refresh", { token: "fake-refresh-token" }, { seal: true, ttlMs: 59_999.5 });
        const entry = await store.get(space, "refresh");
        assert.deepEqual(entry?.value, { token: "fake-refresh-token" });
        assert.equal(entry?.sealed, true);
        assert.ok(entry?.expiresAt);
      }));

    it("grants a lease to one contender at a time and refuses release or renewal by anyone else", () =>
      withStore(async ({ store }) => {
        const space = ns();
        const contenders = await Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            store.acquireLease(space, "refresh", { owner: `w${i}`, ttlMs: 60_000 }),
          ),
        );
        const winners = contenders.filter((lease) => lease !== undefined);
        assert.equal(winners.length, 1);
        const lease = winners[0]!;
        assert.equal(
          await store.acquireLease(space, "refresh", { owner: lease.owner, ttlMs: 1000 }),
          undefined,
        );
        const impostor = { ...lease, owner: "someone-else" };
        assert.equal(await store.releaseLease(impostor), false);
        assert.equal(await store.renewLease(impostor, 1000), undefined);
        assert.equal(await store.releaseLease({ ...lease, fence: lease.fence + 1 }), false);
        assert.equal(await store.acquireLease(space, "refresh", { owner: "late", ttlMs: 1000 }), undefined);
        const other = await store.acquireLease(ns(), "refresh", { owner: "late", ttlMs: 1000 });
        assert.ok(other, "a lease of another namespace is independent");
        const renewed = await store.renewLease(lease, 120_000);
        assert.equal(renewed?.fence, lease.fence);
        assert.equal(await store.releaseLease(lease), true);
        assert.equal(await store.releaseLease(lease), false, "released twice");
        const next = await store.acquireLease(space, "refresh", { owner: "late", ttlMs: 1000 });
        assert.ok(next && next.fence > lease.fence, "fences only increase");
      }));

    it("lets another owner take over an expired lease with a larger fence; the old holder lost it", () =>
      withStore(async ({ store, advance }) => {
        const space = ns();
        const first = await store.acquireLease(space, "l", { owner: "a", ttlMs: 200 });
        assert.ok(first);
        await advance(300);
        const second = await store.acquireLease(space, "l", { owner: "b", ttlMs: 60_000 });
        assert.ok(second && second.fence > first.fence);
        assert.equal(await store.renewLease(first, 1000), undefined);
        assert.equal(await store.releaseLease(first), false);
        assert.equal(await store.acquireLease(space, "l", { owner: "a", ttlMs: 1000 }), undefined);
        assert.equal(await store.releaseLease(second), true);
      }));

    it("rejects bad arguments with a clear usage error", () =>
      withStore(async ({ store }) => {
        const usage = { code: "usage" };
        await assert.rejects(store.get("", "k"), usage);
        await assert.rejects(store.set("__entrakit", "seal", {}), usage);
        await assert.rejects(store.set(ns(), "", 1), usage);
        await assert.rejects(store.set(ns(), "k", 1, { ttlMs: 0 }), usage);
        await assert.rejects(store.set(ns(), "k", 1, { ttlMs: Number.NaN }), usage);
        await assert.rejects(store.set(ns(), "k", 1, { expectedVersion: -1 }), usage);
        await assert.rejects(store.set(ns(), "k", undefined as never), usage);
        await assert.rejects(store.acquireLease(ns(), "l", { owner: "", ttlMs: 10 }), usage);
        await assert.rejects(store.acquireLease(ns(), "l", { owner: "o" } as never), usage);
      }));
  });
}
