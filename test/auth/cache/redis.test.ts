import assert from "node:assert/strict";
import { randomBytes, randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { CachedCredential } from "../../../src/auth/cache/cached-credential.ts";
import { ClientSecretCredential } from "../../../src/auth/client-secret.ts";
import { DEV_APP, DEV_TENANT } from "../../../src/emulator/well-known.ts";
import { openStore } from "../../../src/store/index.ts";
import type { Store } from "../../../src/store/types.ts";
import {
  redisForTests,
  redisUnavailableReason,
  startRedisChild,
  type TestRedis,
} from "../../store/helpers/redis.ts";
import { startTestEmulator, type TestEmulator } from "../emulator.ts";
import { tokenCacheContract } from "./helpers/contract.ts";

const skip = redisUnavailableReason();
if (skip) {
  describe("Token cache contract: Redis", { skip }, () => {});
} else {
  let redis: TestRedis;
  before(async () => {
    redis = await redisForTests();
  });
  after(() => redis.stop());
  const masterKey = randomBytes(32);
  tokenCacheContract("Redis", () =>
    openStore({ url: redis.prefixed(`entrakit-cache-${randomUUID()}:`), env: {}, masterKey }),
  );
}

const GRAPH = "https://graph.microsoft.com/.default";
const ARM = "https://management.azure.com/.default";

function credentialOn(t: TestEmulator, store: Store): CachedCredential {
  return new CachedCredential(
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
}

describe("Token cache: Redis going away", { skip: redisUnavailableReason(true) }, () => {
  it("memory hits keep working, misses fail with a clear store error, all recovers when Redis returns", async () => {
    const t = await startTestEmulator();
    const server = await startRedisChild(true);
    const store = await openStore({ url: server.url, env: {}, masterKey: randomBytes(32) });
    try {
      const credential = credentialOn(t, store);
      const graph = await credential.getToken({ scopes: [GRAPH] });
      await server.kill();
      assert.equal((await credential.getToken({ scopes: [GRAPH] })).token, graph.token, "served from memory");
      await assert.rejects(credential.getToken({ scopes: [ARM] }), {
        code: "store",
        message: /Redis store at redis:\/\/127\.0\.0\.1:\d+ failed/,
      });
      await server.start();
      assert.ok(
        (await credential.getToken({ scopes: [ARM] })).token,
        "works again without reopening the store",
      );
      // Nothing was lost: the token stored before the outage is there for a new process.
      const later = credentialOn(t, store);
      assert.equal((await later.getToken({ scopes: [GRAPH] })).token, graph.token);
      assert.equal(later.cache.stats.storeHits, 1);
    } finally {
      await store.close();
      await server.kill();
      await t.close();
    }
  });
});
