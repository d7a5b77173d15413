/**
 * Sealing at rest on the real backends: no plaintext in the SQLite file or in Redis, a wrong or missing
 * master key refused without changing anything, corrupted and moved records reported by instance and
 * key while other instances keep working.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, unlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { after, describe, it } from "node:test";
import { Redis } from "ioredis";
import { generateMasterKey, openStore } from "../../src/store/index.ts";
import { encodeMasterKey } from "../../src/store/seal.ts";
import { redisForTests, redisUnavailableReason } from "./helpers/redis.ts";

const dir = mkdtempSync(join(tmpdir(), "entrakit-seal-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const keyEnv = () => ({ ENTRAKIT_MASTER_KEY: encodeMasterKey(generateMasterKey()) });

/** Every byte SQLite wrote for the store: the database and its WAL. */
function rawSqlite(path: string): string {
  const files = readdirSync(join(path, "..")).filter((name) => name.startsWith("store.db"));
  return files.map((name) => readFileSync(join(path, "..", name)).toString("latin1")).join("");
}

function editRow(path: string, ns: string, key: string, edit: (data: string) => string): void {
  const db = new DatabaseSync(path);
  const row = db.prepare("SELECT data FROM kv WHERE ns = ? AND key = ?").get(ns, key) as { data: string };
  db.prepare("UPDATE kv SET data = ? WHERE ns = ? AND key = ?").run(edit(row.data), ns, key);
  db.close();
}

/** Flips one character in the ciphertext part of a sealed envelope. */
const flipCiphertext = (data: string) => {
  const at = data.length - 5;
  return data.slice(0, at) + (data[at] === "A" ? "B" : "A") + data.slice(at + 1);
};

describe("sealing on SQLite", () => {
  it("keeps secrets out of the file (a plain canary is found by the same scan)", async () => {
    const path = join(dir, "canary", "store.db");
    const store = await openStore({ url: `sqlite:${path}`, env: keyEnv() });
    await store.set("inst", "refresh", { token: "SEALED-CANARY-7f3a" }, { seal: true });
    await store.set("inst", "note", "PLAIN-CANARY-7f3a");
    const raw = rawSqlite(path);
    assert.ok(raw.includes("PLAIN-CANARY-7f3a"), "the scan sees plain values");
    assert.ok(!raw.includes("SEALED-CANARY-7f3a"), "the sealed value is not on disk in clear");
    assert.deepEqual((await store.get("inst", "refresh"))?.value, { token: "SEALED-CANARY-7f3a" });
    await store.close();
  });

  it("refuses a wrong master key with a clear error and changes nothing", async () => {
    const path = join(dir, "wrong", "store.db");
    const right = keyEnv();
    const store = await openStore({ url: `sqlite:${path}`, env: right });
    const written = await store.set("inst", "secret", "s3cr3t-fake", { seal: true });
    await store.close();

    const wrong = await openStore({ url: `sqlite:${path}`, env: keyEnv() });
    const refused = {
      code: "sealed_data",
      message: /master key .*does not match the one that sealed this store/,
    };
    await assert.rejects(wrong.get("inst", "secret"), refused);
    await assert.rejects(wrong.set("inst", "secret", "other", { seal: true }), refused);
    await assert.rejects(wrong.set("inst", "new", "other", { seal: true }), refused);
    assert.equal(await wrong.list("inst").then((keys) => keys.join()), "secret", "nothing was written");
    await wrong.close();

    const again = await openStore({ url: `sqlite:${path}`, env: right });
    assert.deepEqual(await again.get("inst", "secret"), {
      value: "s3cr3t-fake",
      version: written.ok ? written.version : -1,
      sealed: true,
    });
    await again.close();
  });

  it("generates a 0600 key file in a 0700 directory, and refuses to replace a lost one", async () => {
    const home = join(dir, "home");
    const store = await openStore({ env: { ENTRAKIT_HOME: home } });
    assert.equal(store.location, join(home, "store.db"));
    await store.set("inst", "secret", "fake", { seal: true });
    assert.equal(statSync(home).mode & 0o777, 0o700);
    for (const name of ["master.key", "store.db", "store.db-wal", "store.db-shm"]) {
      assert.equal(statSync(join(home, name)).mode & 0o777, 0o600, name);
    }
    await store.close();

    unlinkSync(join(home, "master.key"));
    const lost = await openStore({ env: { ENTRAKIT_HOME: home } });
    await assert.rejects(lost.get("inst", "secret"), {
      code: "sealed_data",
      message: /master key is missing/,
    });
    await assert.rejects(lost.set("inst", "other", "x", { seal: true }), { code: "sealed_data" });
    assert.throws(() => statSync(join(home, "master.key")), "no new key was generated over sealed data");
    assert.equal(await lost.get("inst", "missing"), undefined, "plain reads still work");
    await lost.close();
  });

  it("reports a corrupted row by instance and key; other instances keep working", async () => {
    const path = join(dir, "corrupt", "store.db");
    const env = keyEnv();
    const store = await openStore({ url: `sqlite:${path}`, env });
    await store.set("broken instance", "refresh", "fake-a", { seal: true });
    await store.set("broken instance", "config", { tenant: "t" });
    await store.set("healthy instance", "refresh", "fake-b", { seal: true });
    await store.close();
    editRow(path, "broken instance", "refresh", flipCiphertext);
    editRow(path, "broken instance", "config", (data) => data.slice(0, -1));

    const reopened = await openStore({ url: `sqlite:${path}`, env });
    await assert.rejects(reopened.get("broken instance", "refresh"), {
      code: "sealed_data",
      message: /record "refresh" of instance "broken instance" is corrupted/,
    });
    await assert.rejects(reopened.get("broken instance", "config"), {
      message: /record "config" of instance "broken instance" is corrupted \(not valid JSON\)/,
    });
    assert.equal((await reopened.get("healthy instance", "refresh"))?.value, "fake-b");
    assert.equal(await reopened.clear("broken instance"), 2, "a corrupted instance can still be reset");
    await reopened.close();
  });

  it("refuses a sealed value moved to another key or instance (associated data)", async () => {
    const path = join(dir, "moved", "store.db");
    const env = keyEnv();
    const store = await openStore({ url: `sqlite:${path}`, env });
    await store.set("a", "refresh", "fake-a", { seal: true });
    await store.set("b", "refresh", "fake-b", { seal: true });
    await store.close();
    const db = new DatabaseSync(path);
    db.exec("UPDATE kv SET data = (SELECT data FROM kv WHERE ns = 'a' AND key = 'refresh') WHERE ns = 'b'");
    db.close();
    const reopened = await openStore({ url: `sqlite:${path}`, env });
    await assert.rejects(reopened.get("b", "refresh"), { message: /instance "b" is corrupted/ });
    assert.equal((await reopened.get("a", "refresh"))?.value, "fake-a");
    await reopened.close();
  });

  it("rejects a malformed ENTRAKIT_MASTER_KEY without echoing it", async () => {
    for (const bad of [
      "not a key!",
      Buffer.alloc(31, 7).toString("base64"),
      Buffer.alloc(33).toString("base64"),
    ]) {
      await assert.rejects(
        openStore({ url: "memory:", env: { ENTRAKIT_MASTER_KEY: bad } }),
        (error: Error & { code: string }) => {
          assert.equal(error.code, "configuration");
          assert.match(error.message, /ENTRAKIT_MASTER_KEY is not a valid master key: .*exactly 32 bytes/);
          assert.ok(!error.message.includes(bad));
          return true;
        },
      );
    }
  });
});

const skip = redisUnavailableReason();
describe("sealing on Redis", { skip }, () => {
  it("keeps secrets out of Redis, refuses a wrong key, reports a corrupted record", async () => {
    const redis = await redisForTests();
    const url = redis.prefixed(`entrakit-test-${randomUUID()}:`);
    const raw = new Redis(redis.url);
    try {
      const env = keyEnv();
      const store = await openStore({ url, env });
      await store.set("inst", "refresh", "SEALED-CANARY-91c2", { seal: true });
      await store.set("inst", "note", "PLAIN-CANARY-91c2");
      const prefix = new URL(url).searchParams.get("prefix")!;
      const keys = await raw.keys(`${prefix}*`);
      const dump = (
        await Promise.all(keys.map(async (k) => JSON.stringify(await raw.hgetall(k).catch(() => raw.get(k)))))
      ).join();
      assert.ok(dump.includes("PLAIN-CANARY-91c2"), "the scan sees plain values");
      assert.ok(!dump.includes("SEALED-CANARY-91c2"));
      await store.close();

      const wrong = await openStore({ url, env: keyEnv() });
      await assert.rejects(wrong.get("inst", "refresh"), { code: "sealed_data", message: /does not match/ });
      await wrong.close();
      const right = await openStore({ url, env });
      assert.equal((await right.get("inst", "refresh"))?.value, "SEALED-CANARY-91c2");
      await right.set("other", "refresh", "fake-other", { seal: true });
      const recordKey = `${prefix}{inst}:k:refresh`;
      await raw.hset(recordKey, "d", flipCiphertext((await raw.hget(recordKey, "d"))!));
      await assert.rejects(right.get("inst", "refresh"), {
        code: "sealed_data",
        message: /record "refresh" of instance "inst" is corrupted/,
      });
      assert.equal((await right.get("other", "refresh"))?.value, "fake-other");
      await right.close();
    } finally {
      raw.disconnect();
      await redis.stop();
    }
  });
});
