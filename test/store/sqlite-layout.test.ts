/**
 * The SQLite table layout: a store written in the first layout (a WITHOUT ROWID table) is copied into
 * the current one when opened, keeping every record, version and expiry; a large value is not read when
 * only its version or its namespace is needed.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { after, describe, it } from "node:test";
import { SqliteBackend } from "../../src/store/sqlite.ts";

const dir = mkdtempSync(join(tmpdir(), "entrakit-store-layout-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const FIRST_LAYOUT = `
CREATE TABLE kv (
  ns TEXT NOT NULL, key TEXT NOT NULL, version INTEGER NOT NULL, data TEXT NOT NULL, expires_at INTEGER,
  PRIMARY KEY (ns, key)
) WITHOUT ROWID;
CREATE TABLE sequence (id INTEGER PRIMARY KEY CHECK (id = 1), value INTEGER NOT NULL);
INSERT INTO sequence (id, value) VALUES (1, 7);
INSERT INTO kv VALUES ('inst', 'config', 3, '{"a":1}', NULL);
INSERT INTO kv VALUES ('inst', 'auth.token', 5, '"t"', 4102444800000);
INSERT INTO kv VALUES ('other', 'gone', 6, '"x"', 1);
`;

const tableSql = (path: string) => {
  const db = new DatabaseSync(path);
  try {
    return (db.prepare("SELECT sql FROM sqlite_master WHERE name = 'kv'").get() as { sql: string }).sql;
  } finally {
    db.close();
  }
};

describe("SQLite layout", () => {
  it("a store in the first layout is migrated on open with its records, versions and expiries", async () => {
    const path = join(dir, "first-layout.db");
    const old = new DatabaseSync(path);
    old.exec(FIRST_LAYOUT);
    old.close();

    const backend = new SqliteBackend({ path, now: () => 1000 });
    assert.doesNotMatch(tableSql(path), /WITHOUT ROWID/i);
    assert.deepEqual(await backend.get("inst", "config"), { data: '{"a":1}', version: 3 });
    assert.deepEqual(await backend.get("inst", "auth.token"), {
      data: '"t"',
      version: 5,
      expiresAt: 4102444800000,
    });
    assert.equal(await backend.get("other", "gone"), undefined, "expired records stay expired");
    assert.deepEqual(await backend.namespaces(), ["inst"]);
    // The version sequence carries on, so a compare-and-set against an old version still conflicts.
    assert.deepEqual(await backend.set("inst", "config", "{}", { expectedVersion: 2 }), {
      ok: false,
      conflict: true,
      currentVersion: 3,
    });
    assert.deepEqual(await backend.set("inst", "config", "{}", { expectedVersion: 3 }), {
      ok: true,
      version: 8,
    });
    await backend.close();

    const again = new SqliteBackend({ path, now: () => 1000 });
    assert.deepEqual(await again.get("inst", "config"), { data: "{}", version: 8 });
    await again.close();
  });

  it("the value is the last column, after everything version checks and scans read", async () => {
    const path = join(dir, "large.db");
    const backend = new SqliteBackend({ path });
    const large = JSON.stringify("x".repeat(4_000_000));
    await backend.set("inst", "context", large);
    const db = new DatabaseSync(path);
    const columns = (db.prepare("PRAGMA table_info(kv)").all() as Array<{ name: string }>).map((c) => c.name);
    db.close();
    assert.equal(columns.at(-1), "data");
    const written = await backend.set("inst", "context", large, { expectedVersion: 1 });
    assert.equal(written.ok, true);
    assert.equal((await backend.get("inst", "context"))?.data.length, large.length);
    await backend.close();
  });
});
