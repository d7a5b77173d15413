/**
 * `entrakit store info` and `entrakit store rotate-key`, run as real processes on a real SQLite store.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { generateMasterKey, openStore, rotateMasterKey } from "../../src/store/index.ts";
import { encodeMasterKey, readKeyFile, writeKeyFile } from "../../src/store/seal.ts";
import { SqliteBackend } from "../../src/store/sqlite.ts";
import { crashingAfter } from "./helpers/crash.ts";

const main = join(import.meta.dirname, "..", "..", "src", "cli", "main.ts");
const dir = mkdtempSync(join(tmpdir(), "entrakit-cli-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function entrakit(args: string[], env: Record<string, string>) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("ENTRAKIT_")));
  const result = spawnSync(process.execPath, [main, ...args], {
    env: { ...clean, ...env },
    encoding: "utf8",
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("entrakit store", () => {
  it("info shows locations, key match and counts, never values; rotate-key swaps the key file", async () => {
    const home = join(dir, "home");
    const env = { ENTRAKIT_HOME: home };
    const store = await openStore({ env });
    await store.set("Graph instance", "refresh", "CANARY-cli-secret", { seal: true });
    await store.set("Graph instance", "config", "CANARY-cli-plain");
    await store.close();
    const before = readKeyFile(join(home, "master.key"))!;

    const info = entrakit(["store", "info", "--json"], env);
    assert.equal(info.status, 0, info.stderr);
    const parsed = JSON.parse(info.stdout);
    assert.equal(parsed.location, `sqlite:${join(home, "store.db")}`);
    assert.equal(parsed.keyId, before.id);
    assert.equal(parsed.sealedWith, before.id);
    assert.equal(parsed.keyMatches, true);
    assert.deepEqual(parsed.instances, [{ name: "Graph instance", records: 2, sealed: 1 }]);
    assert.ok(!info.stdout.includes("CANARY") && !info.stdout.includes(encodeMasterKey(before)));

    const rotated = entrakit(["store", "rotate-key"], env);
    assert.equal(rotated.status, 0, rotated.stderr);
    assert.match(rotated.stdout, /re-sealed 1 records under key id \S+ \(0 already were, 1 plain/);
    const afterKey = readKeyFile(join(home, "master.key"))!;
    assert.notEqual(afterKey.id, before.id);
    assert.ok(!existsSync(join(home, "master.key.next")));
    const reopened = await openStore({ env });
    assert.equal((await reopened.get("Graph instance", "refresh"))?.value, "CANARY-cli-secret");
    await reopened.close();

    const wrong = entrakit(["store", "info"], {
      ...env,
      ENTRAKIT_MASTER_KEY: encodeMasterKey(generateMasterKey()),
    });
    assert.match(wrong.stdout, /sealed with: key id \S+ \(DOES NOT MATCH the configured key\)/);
  });

  it("rotate-key finishes a rotation interrupted after it wrote the .next key file", async () => {
    const home = join(dir, "interrupted");
    const env = { ENTRAKIT_HOME: home };
    const store = await openStore({ env });
    for (let i = 0; i < 4; i++) await store.set(`inst ${i}`, "refresh", `fake-${i}`, { seal: true });
    await store.close();
    const oldKey = readKeyFile(join(home, "master.key"))!;
    const next = generateMasterKey();
    writeKeyFile(join(home, "master.key.next"), next);
    const backend = new SqliteBackend({ path: join(home, "store.db") });
    await assert.rejects(rotateMasterKey(crashingAfter(backend, 2), oldKey, next), /simulated crash/);
    await backend.close();

    const pending = entrakit(["store", "info"], env);
    assert.match(pending.stdout, /rotation: +unfinished/);
    const finished = entrakit(["store", "rotate-key"], env);
    assert.equal(finished.status, 0, finished.stderr);
    assert.match(finished.stdout, /re-sealed 2 records .*\(2 already were/);
    assert.equal(readFileSync(join(home, "master.key"), "utf8").trim(), encodeMasterKey(next));
    const reopened = await openStore({ env });
    for (let i = 0; i < 4; i++)
      assert.equal((await reopened.get(`inst ${i}`, "refresh"))?.value, `fake-${i}`);
    await reopened.close();
  });

  it("rotate-key with ENTRAKIT_MASTER_KEY needs ENTRAKIT_NEW_MASTER_KEY, then says to switch it", async () => {
    const path = join(dir, "env", "store.db");
    const oldKey = encodeMasterKey(generateMasterKey());
    const newKey = encodeMasterKey(generateMasterKey());
    const store = await openStore({ url: `sqlite:${path}`, env: { ENTRAKIT_MASTER_KEY: oldKey } });
    await store.set("inst", "refresh", "fake", { seal: true });
    await store.close();
    const env = { ENTRAKIT_STORE: `sqlite:${path}`, ENTRAKIT_MASTER_KEY: oldKey };

    const missing = entrakit(["store", "rotate-key"], env);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /^entrakit: .*ENTRAKIT_NEW_MASTER_KEY/);
    const done = entrakit(["store", "rotate-key"], { ...env, ENTRAKIT_NEW_MASTER_KEY: newKey });
    assert.equal(done.status, 0, done.stderr);
    assert.match(done.stdout, /now set ENTRAKIT_MASTER_KEY to the value of ENTRAKIT_NEW_MASTER_KEY/);
    assert.ok(!done.stdout.includes(newKey) && !done.stderr.includes(newKey));
    const reopened = await openStore({ url: `sqlite:${path}`, env: { ENTRAKIT_MASTER_KEY: newKey } });
    assert.equal((await reopened.get("inst", "refresh"))?.value, "fake");
    await reopened.close();
  });

  it("rejects an unknown store URL with a one-line hint", () => {
    const result = entrakit(["store", "--store", "postgres://db/x", "info"], {});
    assert.equal(result.status, 3);
    assert.match(result.stderr, /^entrakit: unsupported store URL "postgres:\/\/db\/x"\. Use sqlite: .*\n$/);
  });
});
