/**
 * The token cache contract, run unchanged on every Store backend: real token requests to the emulator
 * (counted in its request log), a real Store, and an injected clock for expiry (the cache's and the
 * credential's; stored records keep their real TTLs, so Redis works the same).
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { CachedCredential } from "../../../../src/auth/cache/cached-credential.ts";
import { storeKeyOf } from "../../../../src/auth/cache/key.ts";
import { resetAuth } from "../../../../src/auth/cache/reset.ts";
import { TokenCache } from "../../../../src/auth/cache/token-cache.ts";
import { ClientSecretCredential } from "../../../../src/auth/client-secret.ts";
import { DEV_APP, DEV_TENANT } from "../../../../src/emulator/well-known.ts";
import { authorizedRequest } from "../../../../src/http/authorized.ts";
import { createHttpClient } from "../../../../src/http/client.ts";
import type { Store } from "../../../../src/store/types.ts";
import { startTestEmulator, type TestEmulator } from "../../emulator.ts";

export const GRAPH_DEFAULT = "https://graph.microsoft.com/.default";
const HOUR = 3_600_000;

export function tokenCacheContract(name: string, openStore: () => Promise<Store>): void {
  describe(`Token cache contract: ${name}`, () => {
    let t: TestEmulator;
    let store: Store;
    before(async () => {
      t = await startTestEmulator();
      store = await openStore();
    });
    after(async () => {
      await store.close();
      await t.close();
    });

    /** One "process": a credential, its clock and its cache, on the shared Store. */
    function subject(options: { namespace: string; clock?: { now: number }; maxEntries?: number }) {
      const clock = options.clock ?? { now: Date.now() };
      const now = () => clock.now;
      const inner = new ClientSecretCredential({
        authorityHost: t.emulator.url,
        tenantId: DEV_TENANT.id,
        clientId: DEV_APP.clientId,
        clientSecret: DEV_APP.secret,
        http: t.http,
        now,
      });
      const credential = new CachedCredential(inner, {
        store,
        namespace: options.namespace,
        now,
        leaseTtlMs: 400,
        waitTimeoutMs: 5_000,
        ...(options.maxEntries ? { maxEntries: options.maxEntries } : {}),
        keyParts: {
          authorityHost: t.emulator.url,
          tenant: DEV_TENANT.id,
          clientId: DEV_APP.clientId,
          flow: "client_credentials",
        },
      });
      return { clock, credential, cache: credential.cache };
    }

    function tokenRequests(): number {
      return t.emulator.admin.requests({ path: /\/oauth2\/(v2\.0\/)?token$/ }).length;
    }

    it("200 concurrent callers on a cold cache: one token request; another process reads the sealed record", async () => {
      t.emulator.admin.clearRequests();
      const ns = `inst-${randomUUID()}`;
      const a = subject({ namespace: ns });
      const tokens = await Promise.all(
        Array.from({ length: 200 }, () => a.credential.getToken({ scopes: [GRAPH_DEFAULT] })),
      );
      assert.equal(new Set(tokens.map((x) => x.token)).size, 1);
      assert.equal(tokenRequests(), 1);
      assert.equal(a.cache.stats.fetches, 1);
      const key = storeKeyOf(a.credential.keyFor({ scopes: [GRAPH_DEFAULT] }));
      const stored = await store.get(ns, key);
      assert.equal(stored?.sealed, true, "access tokens are sealed at rest");
      assert.ok(stored?.expiresAt !== undefined, "the record expires with the token");

      const b = subject({ namespace: ns });
      assert.equal((await b.credential.getToken({ scopes: [GRAPH_DEFAULT] })).token, tokens[0]!.token);
      assert.equal(b.cache.stats.storeHits, 1);
      assert.equal(tokenRequests(), 1, "no request for the second process");
    });

    it("serves a token in its refresh window at once and refreshes it in the background", async () => {
      const ns = `inst-${randomUUID()}`;
      const a = subject({ namespace: ns });
      const first = await a.credential.getToken({ scopes: [GRAPH_DEFAULT] });
      t.emulator.admin.clearRequests();
      a.clock.now = first.expiresOn - 4 * 60_000; // inside the 5-minute margin, still valid
      const served = await a.credential.getToken({ scopes: [GRAPH_DEFAULT] });
      assert.equal(served.token, first.token, "the caller does not wait for the refresh");
      await a.cache.idle();
      assert.equal(tokenRequests(), 1);
      const next = await a.credential.getToken({ scopes: [GRAPH_DEFAULT] });
      assert.notEqual(next.token, first.token);
      assert.equal(a.cache.stats.backgroundRefreshes, 1);
      // Another process with the same clock finds the refreshed record fresh: no request.
      const b = subject({ namespace: ns, clock: a.clock });
      assert.equal((await b.credential.getToken({ scopes: [GRAPH_DEFAULT] })).token, next.token);
      assert.equal(tokenRequests(), 1);
    });

    it("an expired token is never served: the caller waits for the new one", async () => {
      const ns = `inst-${randomUUID()}`;
      const a = subject({ namespace: ns });
      const first = await a.credential.getToken({ scopes: [GRAPH_DEFAULT] });
      a.clock.now = first.expiresOn - 10_000; // inside the 30 s expiry buffer
      const next = await a.credential.getToken({ scopes: [GRAPH_DEFAULT] });
      assert.notEqual(next.token, first.token);
      assert.ok(next.expiresOn > a.clock.now + HOUR / 2);
    });

    it("honours the server's refresh_in", async () => {
      const ns = `inst-${randomUUID()}`;
      t.emulator.admin.addFault({
        path: "/{tenant}/oauth2/v2.0/token",
        status: 200,
        body: { token_type: "Bearer", access_token: "at-with-refresh-in", expires_in: 7200, refresh_in: 600 },
      });
      const a = subject({ namespace: ns });
      const start = a.clock.now;
      assert.equal((await a.credential.getToken({ scopes: [GRAPH_DEFAULT] })).token, "at-with-refresh-in");
      a.clock.now = start + 599_000;
      await a.credential.getToken({ scopes: [GRAPH_DEFAULT] });
      assert.equal(a.cache.stats.backgroundRefreshes, 0);
      a.clock.now = start + 601_000; // long before expiry minus 5 minutes, but past refresh_in
      assert.equal((await a.credential.getToken({ scopes: [GRAPH_DEFAULT] })).token, "at-with-refresh-in");
      await a.cache.idle();
      assert.equal(a.cache.stats.backgroundRefreshes, 1);
      assert.notEqual((await a.credential.getToken({ scopes: [GRAPH_DEFAULT] })).token, "at-with-refresh-in");
    });

    it("a 401 from the API invalidates and retries once with a new token, which other processes adopt", async () => {
      const ns = `inst-${randomUUID()}`;
      const a = subject({ namespace: ns });
      const b = subject({ namespace: ns });
      const refused = (await a.credential.getToken({ scopes: [GRAPH_DEFAULT] })).token;
      assert.equal((await b.credential.getToken({ scopes: [GRAPH_DEFAULT] })).token, refused);
      const seen: string[] = [];
      const api = createServer((req, res) => {
        const bearer = (req.headers.authorization ?? "").replace(/^Bearer /, "");
        seen.push(bearer);
        res.writeHead(bearer === refused ? 401 : 200, { "content-type": "application/json" }).end("{}");
      });
      await new Promise<void>((resolve) => api.listen(0, "127.0.0.1", resolve));
      const client = createHttpClient({ retry: false });
      try {
        t.emulator.admin.clearRequests();
        const url = `http://127.0.0.1:${(api.address() as AddressInfo).port}/v1.0/me`;
        const response = await authorizedRequest(
          client,
          a.credential,
          { scopes: [GRAPH_DEFAULT] },
          {
            method: "GET",
            url,
          },
        );
        assert.equal(response.status, 200);
        assert.equal(seen.length, 2);
        assert.equal(seen[0], refused);
        assert.notEqual(seen[1], refused);
        // b also gets a 401 with the refused token: it adopts a's new token, no second request.
        const viaB = await authorizedRequest(
          client,
          b.credential,
          { scopes: [GRAPH_DEFAULT] },
          {
            method: "GET",
            url,
          },
        );
        assert.equal(viaB.status, 200);
        assert.equal(seen[3], seen[1]);
        assert.equal(tokenRequests(), 1);
        // invalidate() with the refused token does not throw away the newer one.
        await b.credential.invalidate({ scopes: [GRAPH_DEFAULT] }, refused);
        assert.equal((await b.credential.getToken({ scopes: [GRAPH_DEFAULT] })).token, seen[1]);
        await b.credential.invalidate({ scopes: [GRAPH_DEFAULT] }, seen[1]);
        assert.notEqual((await b.credential.getToken({ scopes: [GRAPH_DEFAULT] })).token, seen[1]);
        assert.equal(tokenRequests(), 2);
      } finally {
        await client.close();
        api.close();
      }
    });

    it("a holder that died: its lease expires and a waiter takes over; a live holder past the timeout: clear error", async () => {
      const ns = `inst-${randomUUID()}`;
      const a = subject({ namespace: ns });
      const storeKey = storeKeyOf(a.credential.keyFor({ scopes: [GRAPH_DEFAULT] }));
      await store.acquireLease(ns, storeKey, { owner: "dead-process", ttlMs: 300 });
      t.emulator.admin.clearRequests();
      assert.ok((await a.credential.getToken({ scopes: [GRAPH_DEFAULT] })).token);
      assert.equal(tokenRequests(), 1);

      const stuck = new TokenCache({ store, namespace: ns, leaseTtlMs: 400, waitTimeoutMs: 300 });
      await store.acquireLease(ns, storeKeyOf("stuck"), { owner: "slow-process", ttlMs: 60_000 });
      await assert.rejects(
        stuck.getToken("stuck", async () => assert.fail("must not fetch while another holds the lease")),
        (error: Error & { code?: string }) => {
          assert.equal(error.code, "store");
          assert.match(
            error.message,
            /Gave up after 0 s waiting for another process to fetch the same token/,
          );
          return true;
        },
      );
    });

    it("bounded memory: least recently used entries go, and come back from the store without a request", async () => {
      const ns = `inst-${randomUUID()}`;
      const a = subject({ namespace: ns, maxEntries: 2 });
      const targets = [
        "https://graph.microsoft.com/.default",
        "https://management.azure.com/.default",
        "https://vault.azure.net/.default",
      ];
      for (const scope of targets) await a.credential.getToken({ scopes: [scope] });
      assert.equal(a.cache.size, 2);
      t.emulator.admin.clearRequests();
      await a.credential.getToken({ scopes: [targets[0]!] });
      assert.equal(tokenRequests(), 0);
      assert.equal(a.cache.stats.storeHits, 1);
    });

    it("scopes spelled differently share one token; claims get their own", async () => {
      const ns = `inst-${randomUUID()}`;
      const a = subject({ namespace: ns });
      t.emulator.admin.clearRequests();
      const one = await a.credential.getToken({ scopes: ["https://graph.microsoft.com/.default"] });
      const two = await a.credential.getToken({ scopes: ["https://GRAPH.microsoft.com/.default"] });
      assert.equal(one.token, two.token);
      assert.equal(tokenRequests(), 1);
      const claims = '{"access_token":{"xms_cc":{"values":["cp1"]}}}';
      const three = await a.credential.getToken({ scopes: ["https://graph.microsoft.com/.default"], claims });
      assert.notEqual(three.token, one.token);
      assert.equal(tokenRequests(), 2);
    });

    it("resetAuth clears the instance's tokens, refresh tokens and pending flows, and nothing else", async () => {
      const ns = `inst-${randomUUID()}`;
      const other = `inst-${randomUUID()}`;
      const a = subject({ namespace: ns });
      const b = subject({ namespace: other });
      await a.credential.getToken({ scopes: [GRAPH_DEFAULT] });
      await b.credential.getToken({ scopes: [GRAPH_DEFAULT] });
      await store.set(ns, "auth.refresh_token.0123456789abcdef", { refreshToken: "fake-rt" }, { seal: true });
      await store.set(ns, "auth.device_flow", { deviceCode: "fake-dc" }, { seal: true });
      await store.set(ns, "auth.pending_sign_in", { state: "s" }, { seal: true });
      await store.set(ns, "config", { tenantId: DEV_TENANT.id });
      await store.set(ns, "context.incidents", [1, 2]);
      const report = await resetAuth(store, ns, { caches: [a.cache, b.cache] });
      assert.deepEqual(report, {
        namespace: ns,
        accessTokens: 1,
        refreshTokens: 1,
        pendingFlows: 2,
        otherAuth: 0,
      });
      assert.deepEqual(await store.list(ns), ["config", "context.incidents"]);
      assert.equal((await store.list(other)).length, 1, "the other instance keeps its token");
      assert.equal(a.cache.size, 0);
      assert.equal(b.cache.size, 1);
      t.emulator.admin.clearRequests();
      await a.credential.getToken({ scopes: [GRAPH_DEFAULT] });
      assert.equal(tokenRequests(), 1, "after a reset the next token is fetched again");
    });
  });
}
