/**
 * Master key rotation: everything re-sealed, TTLs kept, a wrong old key refused, and an interrupted
 * rotation (a crash after some records) finished by running it again, losing nothing.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { generateMasterKey, type MasterKey, openStore, rotateMasterKey } from "../../src/store/index.ts";
import { SqliteBackend } from "../../src/store/sqlite.ts";
import { crashingAfter } from "./helpers/crash.ts";

const dir = mkdtempSync(join(tmpdir(), "entrakit-rotate-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const newPath = () => join(dir, `store-${++files}.db`);
const open = (path: string, key: MasterKey) =>
  openStore({ url: `sqlite:${path}`, masterKey: key.bytes, env: {} });

const SECRETS: [string, string, string][] = [
  ["graph 1", "refresh", "fake-refresh-1"],
  ["graph 1", "access", "fake-access-1"],
  ["graph 2", "refresh", "fake-refresh-2"],
  ["graph 2", "client-secret", "fake-secret-2"],
  ["defender", "private-key", "fake-key-3"],
];

async function seed(path: string, key: MasterKey): Promise<void> {
  const store = await open(path, key);
  for (const [ns, k, v] of SECRETS)
    await store.set(ns, k, v, { seal: true, ...(k === "access" ? { ttlMs: 3_600_000 } : {}) });
  await store.set("graph 1", "config", { tenant: "plain" });
  await store.close();
}

async function assertReadable(path: string, key: MasterKey): Promise<void> {
  const store = await open(path, key);
  for (const [ns, k, v] of SECRETS) {
    const entry = await store.get(ns, k);
    assert.equal(entry?.value, v, `${ns}/${k}`);
    assert.equal(entry?.sealed, true);
  }
  assert.ok((await store.get("graph 1", "access"))?.expiresAt, "the TTL survived the rotation");
  assert.deepEqual((await store.get("graph 1", "config"))?.value, { tenant: "plain" });
  await store.close();
}

describe("rotateMasterKey", () => {
  it("re-seals every sealed record under the new key; the old key no longer opens the store", async () => {
    const path = newPath();
    const [oldKey, newKey] = [generateMasterKey(), generateMasterKey()];
    await seed(path, oldKey);
    const store = await open(path, oldKey);
    const report = await rotateMasterKey(store, oldKey, newKey);
    await store.close();
    assert.deepEqual(report, { resealed: 5, alreadyNew: 0, plain: 1, corrupted: [], unknownKey: [] });
    await assertReadable(path, newKey);
    const stale = await open(path, oldKey);
    await assert.rejects(stale.get("graph 1", "refresh"), { code: "sealed_data", message: /does not match/ });
    await stale.close();
  });

  it("stops a process still holding the old key from sealing after another process rotated", async () => {
    const path = newPath();
    const [oldKey, newKey] = [generateMasterKey(), generateMasterKey()];
    await seed(path, oldKey);
    const stale = await open(path, oldKey);
    assert.equal((await stale.get("graph 1", "refresh"))?.value, "fake-refresh-1");
    const backend = new SqliteBackend({ path });
    await rotateMasterKey(backend, oldKey, newKey);
    await backend.close();
    await assert.rejects(stale.set("graph 1", "refresh", "fake-rotated", { seal: true }), {
      code: "sealed_data",
      message: /does not match/,
    });
    await stale.close();
    await assertReadable(path, newKey);
  });

  it("refuses a wrong current key and changes nothing", async () => {
    const path = newPath();
    const key = generateMasterKey();
    await seed(path, key);
    const backend = new SqliteBackend({ path });
    await assert.rejects(rotateMasterKey(backend, generateMasterKey(), generateMasterKey()), {
      code: "sealed_data",
      message: /does not match the one that sealed this store; nothing was changed/,
    });
    await backend.close();
    await assertReadable(path, key);
  });

  it("finishes an interrupted rotation when run again, losing nothing", async () => {
    const path = newPath();
    const [oldKey, newKey] = [generateMasterKey(), generateMasterKey()];
    await seed(path, oldKey);
    const backend = new SqliteBackend({ path });
    await assert.rejects(rotateMasterKey(crashingAfter(backend, 2), oldKey, newKey), /simulated crash/);

    for (const key of [oldKey, newKey]) {
      const midway = await open(path, key);
      await assert.rejects(midway.get("graph 2", "refresh"), {
        code: "sealed_data",
        message: /rotation of this store has not finished/,
      });
      await midway.close();
    }
    await assert.rejects(rotateMasterKey(backend, oldKey, generateMasterKey()), {
      message: /earlier rotation to another key/,
    });
    const report = await rotateMasterKey(backend, oldKey, newKey);
    await backend.close();
    assert.equal(report.resealed, 3);
    assert.equal(report.alreadyNew, 2);
    await assertReadable(path, newKey);
  });
});
