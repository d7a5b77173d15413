import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { after, describe, it } from "node:test";
import { openStore } from "../../src/store/index.ts";
import { SqliteBackend } from "../../src/store/sqlite.ts";
import { fakeClock } from "./helpers/clock.ts";
import { storeContract } from "./helpers/contract.ts";

const dir = mkdtempSync(join(tmpdir(), "entrakit-store-"));
after(() => rmSync(dir, { recursive: true, force: true }));

// One real file shared by every test of the suite, as several instances share it in production.
storeContract("SQLite file", async () => {
  const clock = fakeClock();
  const store = await openStore({ url: `sqlite:${join(dir, "store.db")}`, env: {}, now: clock.now });
  return { store, advance: clock.advance };
});

describe("SQLite backend", () => {
  it("fails clearly when another process keeps the file locked past the busy timeout", async () => {
    const path = join(dir, "locked.db");
    const backend = new SqliteBackend({ path, busyTimeoutMs: 50 });
    const holder = new DatabaseSync(path);
    holder.exec("BEGIN IMMEDIATE");
    try {
      await assert.rejects(backend.set("inst", "k", "1"), {
        code: "store",
        message: `the SQLite store ${path} failed to write: it stayed locked by another process.`,
      });
      assert.equal(await backend.get("inst", "k"), undefined, "readers are not blocked by a writer (WAL)");
    } finally {
      holder.exec("ROLLBACK");
      holder.close();
    }
    assert.equal((await backend.set("inst", "k", "1")).ok, true, "works again once the lock is gone");
    await backend.close();
  });
});
