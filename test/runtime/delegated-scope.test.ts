/**
 * The Graph API integration's `scope` parameter: a delegated sign-in asks for the permissions the user chose,
 * each on the selected cloud's Graph host, plus offline_access; without it, the resource's `.default`.
 * Read from the login URL that `!msgraph-api-generate-login-url` prints (no network: the URL is built locally).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { resolveInstance, saveInstance } from "../../src/runtime/instances.ts";
import { runLine } from "../../src/runtime/session.ts";
import { openStore } from "../../src/store/open.ts";

async function loginScopes(params: Record<string, string>): Promise<string[]> {
  const store = await openStore({ url: "memory:" });
  try {
    const instance = resolveInstance({
      name: "api",
      integration: "microsoft-graph-api",
      params: {
        authentication_type: "Authorization Code",
        client_id: "5f2d8c41-0000-4000-8000-000000000001",
        tenant_id: "7c1e3a52-0000-4000-8000-000000000002",
        client_secret: "fake-secret-for-a-test",
        redirect_uri: "http://localhost/callback",
        ...params,
      },
    });
    await saveInstance(store, instance);
    const outcome = await runLine("!msgraph-api-generate-login-url", { store });
    const url = /\[login URL\]\((\S+)\)/.exec(outcome.results[0]!.readable)?.[1];
    assert.ok(url, outcome.results[0]!.readable);
    return new URL(url).searchParams.get("scope")!.split(" ");
  } finally {
    await store.close();
  }
}

test("the scope parameter's permissions go on Graph's host, with offline_access", async () => {
  assert.deepEqual(await loginScopes({ scope: "User.Read Mail.Read" }), [
    "https://graph.microsoft.com/User.Read",
    "https://graph.microsoft.com/Mail.Read",
    "offline_access",
  ]);
});

test("in a national cloud, the chosen permissions are that cloud's Graph permissions", async () => {
  assert.deepEqual(await loginScopes({ scope: "User.Read,offline_access", azure_cloud: "US GCC-High" }), [
    "https://graph.microsoft.us/User.Read",
    "offline_access",
  ]);
});

test("without a scope parameter the sign-in asks for Graph's .default", async () => {
  assert.deepEqual(await loginScopes({}), ["https://graph.microsoft.com/.default", "offline_access"]);
});
