import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, test } from "node:test";
import { ClientSecretCredential } from "../../src/auth/client-secret.ts";
import { OAuthProxyCredential } from "../../src/auth/oauth-proxy.ts";
import { createAuthHttp } from "../../src/auth/transport.ts";
import { DEV_APP, DEV_TENANT } from "../../src/emulator/well-known.ts";
import { openStore } from "../../src/store/index.ts";
import { startOAuthProxyStub } from "../helpers/oauth-proxy-stub.ts";
import { claimsOf, startTestEmulator } from "./emulator.ts";

const key = randomBytes(32);
const tenantId = "7c1e3a52-4b8d-4f6e-9a2c-5d0b1e8f3a76";
let issued = 0;
const stub = await startOAuthProxyStub({
  registrations: {
    "reg-app": { appName: "ms-graph-app", key, tenantId },
    "reg-delegated": { appName: "ms-graph-user", key, tenantId },
  },
  issue: ({ content, registration, resource, scope }) => {
    issued++;
    if (content === registration.tenantId) {
      return {
        status: 200,
        body: {
          access_token: `app-at-${issued}:${resource || scope}`,
          expires_in: "3600",
          refresh_token: "",
        },
      };
    }
    if (content.startsWith("rt-")) {
      const next = Number(content.slice(3)) + 1;
      return {
        status: 200,
        body: { access_token: `user-at-${issued}`, expires_in: 3600, refresh_token: `rt-${next}` },
      };
    }
    return {
      status: 400,
      body: {
        title: "invalid_grant",
        detail: "AADSTS70008: The refresh token has expired. Trace ID: x",
        error_codes: [70008],
      },
    };
  },
});
after(() => stub.close());
const http = createAuthHttp();
const sleeps: number[] = [];
const sleep = async (ms: number) => {
  sleeps.push(ms);
};

test("application app: tenant id encrypted, JSON body exactly as the reference, each resource fetched lazily", async () => {
  const credential = new OAuthProxyCredential({
    id: `reg-app@${stub.url}`,
    token: tenantId,
    key: key.toString("base64"),
    appName: "ms-graph-app",
    http,
    infoHeaders: { "X-Content-Version": "0.0.0" },
  });
  const graph = await credential.getToken({ resource: "https://graph.microsoft.com/" });
  assert.match(graph.token, /^app-at-\d+:https:\/\/graph.microsoft.com\/$/);
  const again = await credential.getToken({ resource: "https://graph.microsoft.com/" });
  assert.equal(again.token, graph.token, "cached per resource");
  const arm = await credential.getToken({ resource: "https://management.azure.com/" });
  assert.notEqual(arm.token, graph.token);
  const scoped = await credential.getToken({ scopes: ["https://graph.microsoft.com/.default"] });
  assert.match(scoped.token, /:https:\/\/graph.microsoft.com\/.default$/);
  const mine = stub.requests.filter((r) => r.body.registration_id === "reg-app");
  assert.equal(mine.length, 3);
  assert.deepEqual(Object.keys(mine[0]!.body), [
    "app_name",
    "registration_id",
    "encrypted_token",
    "scope",
    "resource",
  ]);
  assert.equal(mine[0]!.body.scope, null);
  assert.equal(mine[2]!.body.resource, "");
  assert.equal(mine[0]!.content, tenantId);
  assert.equal(mine[0]!.headers["x-content-version"], "0.0.0");
});

test("delegated app: the rotated refresh token is kept (sealed in the store) and sent next time", async () => {
  const store = await openStore({ url: "memory:", masterKey: randomBytes(32) });
  const options = {
    id: `reg-delegated@${stub.url}`,
    token: "rt-1",
    key: key.toString("base64"),
    appName: "ms-graph-user",
    http,
    store,
    namespace: "inst-1",
  };
  await new OAuthProxyCredential(options).getToken({ resource: "https://graph.microsoft.com/" });
  // A later process: same store, same configured (now stale) token.
  await new OAuthProxyCredential(options).getToken({ resource: "https://graph.microsoft.com/" });
  const sent = stub.requests.filter((r) => r.body.registration_id === "reg-delegated").map((r) => r.content);
  assert.deepEqual(sent, ["rt-1", "rt-2"]);
  const keys = await store.list("inst-1");
  assert.equal(keys.length, 1);
  assert.equal((await store.get("inst-1", keys[0]!))?.sealed, true);
  await store.close();
});

test("transient failures back off by waiting 2, 4 … seconds, then succeed; refusals fail with the reference format", async () => {
  const credential = new OAuthProxyCredential({
    id: `reg-app@${stub.url}`,
    token: tenantId,
    key: key.toString("base64"),
    appName: "ms-graph-app",
    http,
    sleep,
  });
  sleeps.length = 0;
  stub.failNext.push({ status: 503, body: { message: "busy" } }, { status: 429, body: {} });
  const token = await credential.getToken({ resource: "https://vault.azure.net" });
  assert.match(token.token, /^app-at-/);
  assert.deepEqual(sleeps, [2000, 4000]);

  const bounded = new OAuthProxyCredential({
    id: `reg-app@${stub.url}`,
    token: tenantId,
    key: key.toString("base64"),
    appName: "ms-graph-app",
    http,
    sleep,
    maxWaitMs: 5000,
  });
  sleeps.length = 0;
  stub.failNext.push({ status: 500, body: {} }, { status: 500, body: {} }, { status: 500, body: {} });
  await assert.rejects(bounded.getToken({ resource: "https://x.example" }), /Status: 500/);
  assert.deepEqual(sleeps, [2000], "stops before exceeding the wait bound");
  stub.failNext.length = 0;

  const expired = new OAuthProxyCredential({
    id: `reg-delegated@${stub.url}`,
    token: "old-token",
    key: key.toString("base64"),
    appName: "ms-graph-user",
    http,
    sleep,
  });
  sleeps.length = 0;
  await assert.rejects(expired.getToken({ resource: "https://graph.microsoft.com/" }), (error: Error) => {
    assert.equal(
      error.message,
      "Error in Microsoft authorization. Status: 400, body: invalid_grant. The refresh token has expired.",
    );
    return true;
  });
  assert.deepEqual(sleeps, [], "a refusal is not retried");
});

test("wrong key or registration is a 401 from the proxy; bad key sizes fail before any request", async () => {
  const wrong = new OAuthProxyCredential({
    id: `reg-app@${stub.url}`,
    token: tenantId,
    key: randomBytes(32).toString("base64"),
    appName: "ms-graph-app",
    http,
  });
  await assert.rejects(
    wrong.getToken({ resource: "r" }),
    /Status: 401, body: unauthorized. The token could not be verified/,
  );
  assert.throws(
    () =>
      new OAuthProxyCredential({
        id: "r@x",
        token: "t",
        key: randomBytes(10).toString("base64"),
        appName: "a",
      }),
    /decodes to 10 bytes/,
  );
});

test("the stub proxy holding the vendor app's secret hands out real tokens from the emulator", async () => {
  const emu = await startTestEmulator();
  const vendorKey = randomBytes(16);
  const proxy = await startOAuthProxyStub({
    registrations: { "reg-real": { appName: "vendor-graph", key: vendorKey, tenantId: DEV_TENANT.id } },
    issue: async ({ content, registration, resource }) => {
      if (content !== registration.tenantId)
        return { status: 400, body: { title: "invalid_grant", detail: "delegated not supported" } };
      const vendor = new ClientSecretCredential({
        authorityHost: emu.emulator.url,
        tenantId: content,
        clientId: DEV_APP.clientId,
        clientSecret: DEV_APP.secret,
        http: emu.http,
      });
      const token = await vendor.getToken({
        scopes: [`${(resource || "https://graph.microsoft.com").replace(/\/$/, "")}/.default`],
      });
      return { status: 200, body: { access_token: token.token, expires_in: 3599, refresh_token: "" } };
    },
  });
  try {
    const credential = new OAuthProxyCredential({
      id: `reg-real@${proxy.url}`,
      token: DEV_TENANT.id,
      key: vendorKey.toString("base64"),
      appName: "vendor-graph",
      http,
    });
    const token = await credential.getToken({ resource: "https://graph.microsoft.com/" });
    const claims = claimsOf(token.token);
    assert.equal(claims.tid, DEV_TENANT.id);
    assert.equal(claims.appid ?? claims.azp, DEV_APP.clientId);
  } finally {
    await proxy.close();
    await emu.close();
  }
});
