import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, beforeEach, test } from "node:test";
import { AuthorizationCodeCredential } from "../../src/auth/authorization-code.ts";
import { signInWithLoopback } from "../../src/auth/loopback.ts";
import { DEV_APP, DEV_TENANT, DEV_USER } from "../../src/emulator/well-known.ts";
import { openStore } from "../../src/store/index.ts";
import type { Store } from "../../src/store/types.ts";
import { signInThroughBrowser } from "./browser.ts";
import { claimsOf, startTestEmulator } from "./emulator.ts";

const t = await startTestEmulator();
after(() => t.close());
const { emulator } = t;
const alice = { login: DEV_USER.userPrincipalName, password: DEV_USER.password };
const GRAPH_USER_READ = "https://graph.microsoft.com/User.Read";
const REDIRECT = "http://localhost/callback";
let store: Store;

beforeEach(async () => {
  emulator.admin.clearFaults();
  emulator.admin.clearRequests();
  store = await openStore({ url: "memory:", masterKey: randomBytes(32) });
});

function credential(extra: Partial<ConstructorParameters<typeof AuthorizationCodeCredential>[0]> = {}) {
  return new AuthorizationCodeCredential({
    authorityHost: emulator.url,
    tenantId: DEV_TENANT.id,
    clientId: DEV_APP.clientId,
    clientSecret: DEV_APP.secret,
    redirectUri: REDIRECT,
    scopes: [GRAPH_USER_READ],
    http: t.http,
    store,
    namespace: "inst",
    ...extra,
  });
}

function tokenCalls() {
  return emulator.admin.requests({ path: /oauth2\/v2\.0\/token$/ });
}

test("login URL → sign-in → pasted redirect URL (state checked, session_state ignored) → token and refresh token", async () => {
  const app = credential();
  const { url, state } = await app.createLoginUrl();
  const login = new URL(url);
  assert.equal(login.origin, emulator.url);
  assert.equal(login.searchParams.get("code_challenge_method"), "S256");
  assert.equal(login.searchParams.get("state"), state);
  assert.match(login.searchParams.get("scope")!, /^offline_access /);
  const redirect = await signInThroughBrowser(t.http, url, alice);
  assert.ok(redirect.startsWith(`${REDIRECT}?`));
  const pasted = `${redirect}&session_state=${encodeURIComponent("8a7f-session")}`;
  const token = await app.redeem(pasted);
  const claims = claimsOf(token.token);
  assert.equal(claims.upn ?? claims.preferred_username, DEV_USER.userPrincipalName);
  assert.match(String(claims.scp), /User\.Read/);
  // The same scopes are served from memory; the refresh token lives (sealed) in the store.
  assert.equal((await app.getToken()).token, token.token);
  const keys = await store.list("inst");
  assert.equal(keys.length, 1, "only the refresh token remains; the pending sign-in is gone");
  assert.equal((await store.get("inst", keys[0]!))?.sealed, true);
  assert.equal(tokenCalls().length, 1);
});

test("refresh rotation: each refresh token works once, the rotated one is kept, another process reuses it", async () => {
  const app = credential();
  const { url } = await app.createLoginUrl();
  await app.redeem(await signInThroughBrowser(t.http, url, alice));
  const arm = await app.getToken({ scopes: ["https://management.azure.com/user_impersonation"] });
  assert.match(String(claimsOf(arm.token).aud), /management/);
  await app.getToken({ forceRefresh: true });
  await app.getToken({ forceRefresh: true });
  // A later process with the same store continues from the latest rotated refresh token.
  const later = credential();
  const fresh = await later.getToken({ scopes: [GRAPH_USER_READ] });
  assert.ok(fresh.token);
  assert.deepEqual(
    tokenCalls().map((r) => r.grantType),
    ["authorization_code", "refresh_token", "refresh_token", "refresh_token", "refresh_token"],
  );
});

test("a refresh response without a refresh token keeps the stored one (the reference erased it)", async () => {
  const app = credential();
  const { url } = await app.createLoginUrl();
  await app.redeem(await signInThroughBrowser(t.http, url, alice));
  emulator.admin.addFault({
    path: "/{tenant}/oauth2/v2.0/token",
    status: 200,
    body: { token_type: "Bearer", access_token: "opaque-at-without-rt", expires_in: 3600 },
  });
  assert.equal((await app.getToken({ forceRefresh: true })).token, "opaque-at-without-rt");
  const next = await app.getToken({ forceRefresh: true });
  assert.notEqual(next.token, "opaque-at-without-rt", "the stored refresh token still works");
});

test("a redirect whose state does not match is refused before any token request", async () => {
  const app = credential();
  const { url } = await app.createLoginUrl();
  const redirect = new URL(await signInThroughBrowser(t.http, url, alice));
  redirect.searchParams.set("state", "forged-state");
  await assert.rejects(app.redeem(redirect.toString()), /state in the redirect does not match/);
  assert.equal(tokenCalls().length, 0);
});

test("a pasted bare code is redeemed with the pending PKCE verifier; reuse and a wrong verifier fail", async () => {
  const app = credential();
  const first = await app.createLoginUrl();
  const code = new URL(await signInThroughBrowser(t.http, first.url, alice)).searchParams.get("code")!;
  assert.ok((await app.redeem(code)).token);
  await assert.rejects(app.redeem(code), /Status: 400, body: invalid_grant/);

  // A new login URL replaces the pending verifier: the old sign-in's code no longer matches it.
  const stale = await app.createLoginUrl();
  const staleCode = new URL(await signInThroughBrowser(t.http, stale.url, alice)).searchParams.get("code")!;
  await app.createLoginUrl();
  await assert.rejects(app.redeem(staleCode), /Code_Verifier does not match/);
});

test("the reference's refresh_token: prefix in the code field, and nobody signed in yet", async () => {
  const app = credential();
  const { url } = await app.createLoginUrl();
  await app.redeem(await signInThroughBrowser(t.http, url, alice));
  // Read the rotated refresh token the way an operator would have copied it, then start elsewhere with it.
  const stored = (await store.get<{ refreshToken: string }>("inst", (await store.list("inst"))[0]!))!.value;
  const elsewhere = await openStore({ url: "memory:", masterKey: randomBytes(32) });
  const imported = credential({
    store: elsewhere,
    authorizationCode: `refresh_token:${stored.refreshToken}`,
  });
  assert.ok((await imported.getToken()).token);
  const nobody = credential({ store: await openStore({ url: "memory:", masterKey: randomBytes(32) }) });
  await assert.rejects(
    nobody.getToken(),
    (error: Error & { code?: string }) => error.code === "authentication_required",
  );
});

test("loopback sign-in on 127.0.0.1 finishes by itself", async () => {
  const app = credential({ redirectUri: undefined });
  const printed: string[] = [];
  const token = await signInWithLoopback(app, {
    print: (line) => printed.push(line),
    openBrowser: async (url) => {
      const back = await signInThroughBrowser(t.http, url, alice);
      assert.match(back, /^http:\/\/127\.0\.0\.1:\d+\/\?code=/);
      const landing = await fetch(back);
      assert.equal(landing.status, 200);
      assert.match(await landing.text(), /Signed in/);
    },
  });
  assert.match(String(claimsOf(token.token).scp), /User\.Read/);
  assert.match(printed.join("\n"), /waiting on 127\.0\.0\.1:\d+/);
});
