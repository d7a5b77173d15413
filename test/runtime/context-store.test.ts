/**
 * The instance context in pieces (runtime/context-store.ts) on a real SQLite file, a real Redis and the
 * memory store: what it reads back is always what the single-record merge (runtime/context.ts) gives,
 * a merge rewrites only the chunks it changed, old single records migrate, a crash mid-merge leaves the
 * old context, and two processes merging at once lose nothing.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import { type Context, mergeEntry } from "../../src/runtime/context.ts";
import {
  CONTEXT_HEAD_KEY,
  clearStoredContext,
  LEGACY_CONTEXT_KEY,
  mergeStoredContext,
  mergeStoredEntries,
  readStoredContext,
} from "../../src/runtime/context-store.ts";
import { generateMasterKey, openStore } from "../../src/store/index.ts";
import { encodeMasterKey } from "../../src/store/seal.ts";
import type { Json, Store } from "../../src/store/types.ts";
import { fakeClock } from "../store/helpers/clock.ts";
import { redisForTests, redisUnavailableReason, type TestRedis } from "../store/helpers/redis.ts";

const KEYED = "R.User(val.id && val.id == obj.id)";
const env = { ENTRAKIT_MASTER_KEY: encodeMasterKey(generateMasterKey()) };
const dir = mkdtempSync(join(tmpdir(), "entrakit-context-"));
let redis: TestRedis | undefined;
const redisSkip = redisUnavailableReason();

before(async () => {
  if (!redisSkip) redis = await redisForTests();
});
after(async () => {
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const BACKENDS: { name: string; url: () => string; skip?: string }[] = [
  { name: "SQLite file", url: () => `sqlite:${join(dir, `${randomUUID()}.db`)}` },
  {
    name: "Redis",
    url: () => redis!.prefixed(`entrakit-test-${randomUUID()}:`),
    ...(redisSkip ? { skip: redisSkip } : {}),
  },
  { name: "memory", url: () => "memory:" },
];

async function withStore(url: string, run: (store: Store) => Promise<void>): Promise<void> {
  const store = await openStore({ url, env });
  try {
    await run(store);
  } finally {
    await store.close();
  }
}

function users(from: number, to: number, extra: Record<string, unknown> = {}): Record<string, unknown>[] {
  return Array.from({ length: to - from }, (_, i) => ({ id: `u${from + i}`, n: from + i, ...extra }));
}

/** The chunk records (`context.c.*`), which a merge writes and the next commit collects. */
async function chunkKeys(store: Store, ns: string): Promise<string[]> {
  return store.list(ns, "context.c.");
}

/** A small deterministic generator (a fixed seed), so a failure replays the same merges. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

/** A random entry-context merge over paths that nest into each other, with every selector kind. */
function randomEntry(next: () => number): { key: string; value: unknown } {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const path = pick(["R.User", "R.User", "R.User", "R", "R.User.x", "R.Other", "S"]);
  const item = () =>
    next() < 0.9 ? { id: `i${Math.floor(next() * 12)}`, v: Math.floor(next() * 100) } : { v: 1 };
  const items = () => Array.from({ length: Math.floor(next() * 6) }, item);
  switch (pick(["id", "id", "id", "two", "true", "append"])) {
    case "id":
      return { key: `${path}(val.id && val.id == obj.id)`, value: next() < 0.2 ? item() : items() };
    case "two":
      return { key: `${path}(val.id == obj.id && val.v && val.v == obj.v)`, value: items() };
    case "true":
      return {
        key: `${path}(true)`,
        value: pick([{ Token: `t${Math.floor(next() * 9)}` }, { User: items() }, "scalar", items()]),
      };
    default:
      return { key: path, value: pick(["a", "b", { id: "i1" }, ["a", "c"]]) };
  }
}

for (const backend of BACKENDS) {
  describe(`the context in pieces: ${backend.name}`, {
    ...(backend.skip ? { skip: backend.skip } : {}),
  }, () => {
    test("reads back what the single-record merge gives, over 120 random merges across chunks", () =>
      withStore(backend.url(), async (store) => {
        const next = random(20_261_123);
        const expected: Context = {};
        for (let round = 0; round < 120; round++) {
          const entries = Array.from({ length: 1 + Math.floor(next() * 2) }, () => randomEntry(next));
          for (const { key, value } of entries) mergeEntry(expected, key, structuredClone(value));
          await mergeStoredEntries(store, "ctx", entries, { chunkSize: 2 });
          assert.deepEqual(await readStoredContext(store, "ctx"), expected, `after merge ${round}`);
        }
      }));

    test("a keyed merge rewrites only the chunks it touches; the others stay as they were", () =>
      withStore(backend.url(), async (store) => {
        const options = { chunkSize: 3 };
        await mergeStoredContext(
          store,
          "ctx",
          [{ prefix: "R.User", key: "id", data: users(0, 10) }],
          options,
        );
        const before = await chunkKeys(store, "ctx");
        assert.equal(before.length, 8, "4 chunks of at most 3 users, each an items and an ids record");

        // u4 lives in the second chunk: its items record is replaced, everything else is kept.
        await mergeStoredContext(
          store,
          "ctx",
          [{ prefix: "R.User", key: "id", data: { id: "u4", n: -4 } }],
          options,
        );
        const replaced = await chunkKeys(store, "ctx");
        assert.equal(replaced.filter((key) => !before.includes(key)).length, 1);
        assert.equal(before.filter((key) => !replaced.includes(key)).length, 1);

        // A new user fills the last chunk (one user so far): that chunk's two records are replaced.
        await mergeStoredContext(
          store,
          "ctx",
          [{ prefix: "R.User", key: "id", data: users(10, 11) }],
          options,
        );
        const appended = await chunkKeys(store, "ctx");
        assert.equal(appended.length, 8);
        assert.equal(appended.filter((key) => !replaced.includes(key)).length, 2);

        // Beside the list: a next token overwrites its sibling field, the list stays in its chunks.
        await mergeStoredContext(
          store,
          "ctx",
          [{ prefix: "R", data: { NextToken: "https://g/page2" } }],
          options,
        );
        assert.deepEqual(await chunkKeys(store, "ctx"), appended);
        const expected = users(0, 11);
        expected[4] = { id: "u4", n: -4 };
        assert.deepEqual(await readStoredContext(store, "ctx"), {
          R: { User: expected, NextToken: "https://g/page2" },
        });

        // An overwrite of the list's own field replaces the list: its chunks go.
        await mergeStoredContext(store, "ctx", [{ prefix: "R", data: { User: "gone" } }], options);
        assert.deepEqual(await chunkKeys(store, "ctx"), []);
        assert.deepEqual(await readStoredContext(store, "ctx"), {
          R: { User: "gone", NextToken: "https://g/page2" },
        });
      }));

    test("append and overwrite at the list's path, one item stored as an object, and clear", () =>
      withStore(backend.url(), async (store) => {
        const options = { chunkSize: 2 };
        await mergeStoredEntries(store, "ctx", [{ key: KEYED, value: users(0, 1) }], options);
        assert.deepEqual(await readStoredContext(store, "ctx"), { R: { User: { id: "u0", n: 0 } } });
        await mergeStoredEntries(store, "ctx", [{ key: KEYED, value: users(0, 5) }], options);
        await mergeStoredEntries(store, "ctx", [{ key: "R.User", value: { id: "u1", n: 1 } }], options);
        await mergeStoredEntries(store, "ctx", [{ key: "R.User", value: { id: "plain" } }], options);
        assert.deepEqual(await readStoredContext(store, "ctx"), {
          R: { User: [...users(0, 5), { id: "plain" }] },
        });
        await mergeStoredEntries(store, "ctx", [{ key: KEYED, value: [{ id: "plain", n: 9 }] }], options);
        assert.deepEqual(await readStoredContext(store, "ctx"), {
          R: { User: [...users(0, 5), { id: "plain", n: 9 }] },
        });
        await mergeStoredEntries(store, "ctx", [{ key: "R.User(true)", value: { only: true } }], options);
        assert.deepEqual(await readStoredContext(store, "ctx"), { R: { User: { only: true } } });
        assert.deepEqual(await chunkKeys(store, "ctx"), []);

        await mergeStoredEntries(store, "ctx", [{ key: KEYED, value: users(0, 7) }], options);
        await clearStoredContext(store, "ctx");
        assert.deepEqual(await readStoredContext(store, "ctx"), {});
        assert.deepEqual(await store.list("ctx", "context"), [CONTEXT_HEAD_KEY]);
        await clearStoredContext(store, "never-used");
        assert.deepEqual(await store.list("never-used"), [], "clearing an empty context writes nothing");
      }));

    test("an old single context record reads as it is and is migrated by the first merge", () =>
      withStore(backend.url(), async (store) => {
        // Appends could leave an id twice in the old record: a keyed merge replaces the last one only.
        const old: Context = {
          R: { User: [...users(0, 4), { id: "u1", n: "again" }], NextToken: "https://g/old" },
          S: ["a"],
        };
        await store.set("ctx", LEGACY_CONTEXT_KEY, old as Json);
        assert.deepEqual(await readStoredContext(store, "ctx"), old);

        const entries = [
          { key: KEYED, value: [{ id: "u2", n: -2 }, ...users(4, 6), { id: "u1", n: -1 }] },
          { key: "R(true)", value: { NextToken: "https://g/new" } },
        ];
        const expected = structuredClone(old);
        for (const { key, value } of entries) mergeEntry(expected, key, structuredClone(value));
        await mergeStoredEntries(store, "ctx", entries, { chunkSize: 4 });
        assert.deepEqual(await readStoredContext(store, "ctx"), expected);
        assert.equal(await store.get("ctx", LEGACY_CONTEXT_KEY), undefined, "the old record is gone");
        assert.equal((await chunkKeys(store, "ctx")).length, 4, "7 users: 2 chunks, items and ids");
      }));
  });
}

/** The store as a process that dies after `writes` writes: every later write or delete fails. */
function dyingAfter(store: Store, writes: number): Store {
  let left = writes;
  const died = () => Promise.reject(new Error("the process died"));
  return new Proxy(store, {
    get(target, property) {
      const value = Reflect.get(target, property, target);
      if (typeof value !== "function") return value;
      if (property === "set")
        return (...args: unknown[]) => (left-- > 0 ? value.apply(target, args) : died());
      if (property === "delete" || property === "releaseLease")
        return (...args: unknown[]) => (left > 0 ? value.apply(target, args) : died());
      return value.bind(target);
    },
  });
}

test("a crash mid-merge leaves the old context readable; the next merge removes what it left", async () => {
  const clock = fakeClock();
  const store = await openStore({ url: `sqlite:${join(dir, "crash.db")}`, env, now: clock.now });
  try {
    await mergeStoredContext(store, "ctx", [{ prefix: "R.User", key: "id", data: users(0, 10) }], {
      chunkSize: 2,
    });
    const before = await readStoredContext(store, "ctx");
    const keysBefore = await chunkKeys(store, "ctx");

    // Replacing every user writes five new chunks before the commit; the process dies after three.
    const dying = dyingAfter(store, 3);
    const replacement = users(0, 12, { changed: true });
    await assert.rejects(
      mergeStoredContext(dying, "ctx", [{ prefix: "R.User", key: "id", data: replacement }], {
        chunkSize: 2,
      }),
      /the process died/,
    );
    assert.deepEqual(await readStoredContext(store, "ctx"), before);
    assert.equal((await chunkKeys(store, "ctx")).length, keysBefore.length + 3, "the dead merge's pieces");

    // The dead process's merge lease runs out; the next merge commits and collects those pieces.
    await clock.advance(60_000);
    await mergeStoredContext(store, "ctx", [{ prefix: "R.User", key: "id", data: replacement }], {
      chunkSize: 2,
    });
    assert.deepEqual(await readStoredContext(store, "ctx"), { R: { User: replacement } });
    assert.equal((await chunkKeys(store, "ctx")).length, 12, "6 chunks, items and ids; nothing else");
  } finally {
    await store.close();
  }
});

const run = promisify(execFile);
const merger = join(import.meta.dirname, "helpers", "context-merger.ts");
const ROUNDS = 40;

async function mergeFromTwoProcesses(url: string): Promise<void> {
  const childEnv = { ...process.env, ...env };
  await Promise.all(
    ["0", "1"].map((worker) =>
      run(process.execPath, [merger, url, worker, String(ROUNDS), "2"], { env: childEnv }),
    ),
  );
  await withStore(url, async (store) => {
    const context = (await readStoredContext(store, "ctx")) as {
      R: { User: { id: string }[]; LastRound0: number; LastRound1: number };
    };
    const ids = context.R.User.map((user) => user.id);
    assert.equal(new Set(ids).size, ids.length, "every user once");
    assert.equal(ids.length, 2 * ROUNDS * 5 + 1, "no merge was lost");
    for (const worker of ["0", "1"]) {
      for (let round = 0; round < ROUNDS; round++) assert.ok(ids.includes(`w${worker}-${round}-4`));
    }
    assert.equal(context.R.LastRound0, ROUNDS - 1);
    assert.equal(context.R.LastRound1, ROUNDS - 1);
    const head = (await store.get("ctx", CONTEXT_HEAD_KEY))?.value as {
      lists: Record<string, { chunks: unknown[] }>;
    };
    const chunks = Object.values(head.lists).reduce((sum, list) => sum + list.chunks.length, 0);
    assert.equal((await chunkKeys(store, "ctx")).length, 2 * chunks, "no piece left behind");
  });
}

describe("two processes merging into the same context at once", () => {
  test("SQLite file: every user of both lands", () => mergeFromTwoProcesses(`sqlite:${join(dir, "two.db")}`));
  test("Redis: every user of both lands", { ...(redisSkip ? { skip: redisSkip } : {}) }, () =>
    mergeFromTwoProcesses(redis!.prefixed(`entrakit-test-${randomUUID()}:`)),
  );
});
