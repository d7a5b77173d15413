/** Choosing the backend and its files from URLs and environment variables. */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, describe, it } from "node:test";
import { entrakitHome, openStore, resolveStoreLocation } from "../../src/store/index.ts";

const dir = mkdtempSync(join(tmpdir(), "entrakit-open-"));
after(() => rmSync(dir, { recursive: true, force: true }));

describe("resolveStoreLocation", () => {
  it("finds the home: ENTRAKIT_HOME, else XDG_STATE_HOME/entrakit, else ~/.local/state/entrakit", () => {
    assert.equal(entrakitHome({ ENTRAKIT_HOME: "/srv/ek", XDG_STATE_HOME: "/x", HOME: "/h" }), "/srv/ek");
    assert.equal(entrakitHome({ XDG_STATE_HOME: "/x", HOME: "/h" }), "/x/entrakit");
    assert.equal(entrakitHome({ HOME: "/h" }), "/h/.local/state/entrakit");
  });

  it("maps each URL form to its backend, file and key file", () => {
    const env = { HOME: "/h" };
    const table: [string | undefined, Record<string, string>, object][] = [
      [
        undefined,
        env,
        {
          kind: "sqlite",
          path: "/h/.local/state/entrakit/store.db",
          keyFile: "/h/.local/state/entrakit/master.key",
        },
      ],
      ["sqlite:", env, { kind: "sqlite", path: "/h/.local/state/entrakit/store.db" }],
      ["sqlite:/data/ek.db", env, { kind: "sqlite", path: "/data/ek.db", keyFile: "/data/master.key" }],
      ["sqlite:///data/ek.db", env, { kind: "sqlite", path: "/data/ek.db" }],
      ["sqlite:rel/ek.db", env, { kind: "sqlite", path: resolve("rel/ek.db") }],
      [undefined, { ...env, ENTRAKIT_STORE: "memory:" }, { kind: "memory", display: "memory:" }],
      [
        undefined,
        { ...env, ENTRAKIT_STORE: "redis://10.0.0.5:6379/2" },
        { kind: "redis", keyFile: "/h/.local/state/entrakit/master.key" },
      ],
      ["rediss://user:hunter2@cache:6380", env, { kind: "redis", display: "rediss://user:***@cache:6380" }],
    ];
    for (const [url, environment, expected] of table) {
      const location = resolveStoreLocation(
        url === undefined ? { env: environment } : { url, env: environment },
      );
      for (const [field, value] of Object.entries(expected)) {
        assert.equal(
          location[field as keyof typeof location],
          value,
          `${url ?? environment.ENTRAKIT_STORE}: ${field}`,
        );
      }
    }
  });

  it("rejects an unknown scheme without echoing credentials", () => {
    assert.throws(
      () => resolveStoreLocation({ url: "mysql://root:hunter2@db/x", env: {} }),
      (error: Error) => {
        assert.match(error.message, /unsupported store URL \(a URL with credentials\)/);
        assert.ok(!error.message.includes("hunter2"));
        return true;
      },
    );
  });
});

describe("openStore", () => {
  it("creates the default SQLite store under the home with modes 0700/0600", async () => {
    const home = join(dir, "state");
    const store = await openStore({ env: { XDG_STATE_HOME: home } });
    assert.equal(store.kind, "sqlite");
    assert.equal(store.location, join(home, "entrakit", "store.db"));
    assert.equal(statSync(join(home, "entrakit")).mode & 0o777, 0o700);
    assert.equal(statSync(join(home, "entrakit", "store.db")).mode & 0o777, 0o600);
    await store.close();
  });

  it("reports a file that is not a SQLite database as a store error naming it", async () => {
    const path = join(dir, "garbage.db");
    writeFileSync(path, "this is not a database, just text long enough to be read as a header".repeat(20));
    await assert.rejects(openStore({ url: `sqlite:${path}`, env: {} }), {
      code: "store",
      message: new RegExp(`^the SQLite store ${path} failed to open: file is not a database`),
    });
  });

  it("takes a URL string, and ENTRAKIT_STORE when none is given", async () => {
    const fromString = await openStore("memory:");
    assert.equal(fromString.kind, "memory");
    await fromString.close();
    const fromEnv = await openStore({ env: { ENTRAKIT_STORE: `sqlite:${join(dir, "env.db")}` } });
    assert.equal(fromEnv.location, join(dir, "env.db"));
    await fromEnv.close();
  });

  it("seals on a memory store with a per-process key and no key file", async () => {
    const store = await openStore({ url: "memory:", env: { HOME: dir } });
    await store.set("inst", "k", "fake", { seal: true });
    assert.equal((await store.get("inst", "k"))?.value, "fake");
    assert.throws(() => statSync(join(dir, ".local")), "nothing written to disk");
    await store.close();
  });
});
