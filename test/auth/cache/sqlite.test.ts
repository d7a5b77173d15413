import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
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
