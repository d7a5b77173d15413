import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { after, it } from "node:test";
import { CachedCredential } from "../../../src/auth/cache/cached-credential.ts";
import { ClientSecretCredential } from "../../../src/auth/client-secret.ts";
import { DEV_APP, DEV_TENANT } from "../../../src/emulator/well-known.ts";
import { openStore } from "../../../src/store/index.ts";
import { startTestEmulator } from "../emulator.ts";
import { GRAPH_DEFAULT, tokenCacheContract } from "./helpers/contract.ts";

const dir = mkdtempSync(join(tmpdir(), "entrakit-cache-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const masterKey = randomBytes(32);
const url = `sqlite:${join(dir, "store.db")}`;

tokenCacheContract("SQLite file", () => openStore({ url, env: {}, masterKey }));

it("the access token never reaches the SQLite file in clear", async () => {
  const t = await startTestEmulator();
  const path = join(dir, "clear.db");
  const store = await openStore({ url: `sqlite:${path}`, env: {}, masterKey });
  try {
    const credential = new CachedCredential(
      new ClientSecretCredential({
        authorityHost: t.emulator.url,
        tenantId: DEV_TENANT.id,
        clientId: DEV_APP.clientId,
        clientSecret: DEV_APP.secret,
        http: t.http,
      }),
      {
        store,
        namespace: "inst",
        keyParts: {
          authorityHost: t.emulator.url,
          tenant: DEV_TENANT.id,
          clientId: DEV_APP.clientId,
          flow: "cc",
        },
      },
    );
    const { token } = await credential.getToken({ scopes: [GRAPH_DEFAULT] });
    const bytes = Buffer.concat(
      [path, `${path}-wal`].map((p) => {
        try {
          return readFileSync(p);
        } catch {
          return Buffer.alloc(0);
        }
      }),
    );
    assert.ok(bytes.length > 0);
    assert.equal(bytes.includes(token.split(".")[2]!), false, "the token's signature is not in the file");
  } finally {
    await store.close();
    await t.close();
  }
});

it("a corrupted token record is fetched again and replaced; a wrong master key fails clearly and changes nothing", async () => {
  const t = await startTestEmulator();
  const path = join(dir, "damaged.db");
  const open = (key: Buffer) => openStore({ url: `sqlite:${path}`, env: {}, masterKey: key });
  const store = await open(masterKey);
  const keyParts = {
    authorityHost: t.emulator.url,
    tenant: DEV_TENANT.id,
    clientId: DEV_APP.clientId,
    flow: "cc",
  };
  const credentialOn = (s: typeof store) =>
    new CachedCredential(
      new ClientSecretCredential({
        authorityHost: t.emulator.url,
        tenantId: DEV_TENANT.id,
        clientId: DEV_APP.clientId,
        clientSecret: DEV_APP.secret,
        http: t.http,
      }),
      { store: s, namespace: "inst", keyParts },
    );
  try {
    const first = await credentialOn(store).getToken({ scopes: [GRAPH_DEFAULT] });
    const db = new DatabaseSync(path);
    db.prepare(
      "UPDATE kv SET data = substr(data, 1, length(data) - 8) || 'AAAAAAAA' WHERE ns = 'inst'",
    ).run();
    db.close();
    t.emulator.admin.clearRequests();
    const healed = credentialOn(store);
    const second = await healed.getToken({ scopes: [GRAPH_DEFAULT] });
    assert.notEqual(second.token, first.token);
    assert.ok(healed.cache.stats.unreadableRecords > 0);
    assert.equal(t.emulator.admin.requests({ path: /token$/ }).length, 1);
    // The replacement is readable by the next process.
    const next = credentialOn(store);
    assert.equal((await next.getToken({ scopes: [GRAPH_DEFAULT] })).token, second.token);
    assert.equal(next.cache.stats.unreadableRecords, 0);

    const wrong = await open(randomBytes(32));
    try {
      await assert.rejects(credentialOn(wrong).getToken({ scopes: [GRAPH_DEFAULT] }), {
        code: "sealed_data",
        message: /master key .*does not match .*nothing was changed/,
      });
      await credentialOn(wrong).invalidate({ scopes: [GRAPH_DEFAULT] });
    } finally {
      await wrong.close();
    }
    assert.equal((await credentialOn(store).getToken({ scopes: [GRAPH_DEFAULT] })).token, second.token);
  } finally {
    await store.close();
    await t.close();
  }
});
