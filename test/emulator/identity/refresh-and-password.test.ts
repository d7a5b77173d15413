import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { createRemoteJWKSet, jwtVerify } from "jose";
import { type RunningEmulator, startEmulator } from "../../../src/emulator/server.ts";
import { DEV_ADMIN, DEV_APP, DEV_TENANT, DEV_TENANT_P1, DEV_USER } from "../../../src/emulator/well-known.ts";
import { assertEntraError, postForm } from "./helpers.ts";

const GRAPH_SCOPES = "openid profile offline_access https://graph.microsoft.com/User.Read";

describe("password and refresh_token grants", () => {
  let emu: RunningEmulator;
  let jwks: ReturnType<typeof createRemoteJWKSet>;
  before(async () => {
    emu = await startEmulator();
    jwks = createRemoteJWKSet(new URL(`${emu.url}/common/discovery/v2.0/keys`));
  });
  after(() => emu.close());
  beforeEach(() => {
    emu.admin.resetClock();
  });

  const tokenUrl = (tenant: string = DEV_TENANT.id, version: 1 | 2 = 2) =>
    `${emu.url}/${tenant}/oauth2/${version === 2 ? "v2.0/" : ""}token`;
  const password = (
    user: { userPrincipalName: string; password: string } = DEV_USER,
    extra: Record<string, string> = {},
  ) =>
    postForm(tokenUrl(), {
      grant_type: "password",
      client_id: DEV_APP.clientId,
      username: user.userPrincipalName,
      password: user.password,
      scope: GRAPH_SCOPES,
      ...extra,
    });
  const refresh = (token: string, extra: Record<string, string> = {}, tenant?: string) =>
    postForm(tokenUrl(tenant), {
      grant_type: "refresh_token",
      client_id: DEV_APP.clientId,
      refresh_token: token,
      scope: GRAPH_SCOPES,
      ...extra,
    });

  async function refreshToken(
    user: { userPrincipalName: string; password: string } = DEV_USER,
  ): Promise<string> {
    const res = await password(user);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return String(res.body.refresh_token);
  }

  it("password grant: a user token; AADSTS50126 for a wrong password, 50034 for an unknown user", async () => {
    const ok = await password();
    assert.equal(ok.status, 200);
    assert.equal(
      (await jwtVerify(String(ok.body.access_token), jwks)).payload.upn,
      DEV_USER.userPrincipalName,
    );
    assertEntraError(await password({ ...DEV_USER, password: "wrong" }), 50126, "invalid_grant", 400);
    assertEntraError(
      await password({ userPrincipalName: "ghost@contoso.onmicrosoft.com", password: "x" }),
      50034,
      "invalid_grant",
      400,
    );
  });

  it("the userinfo endpoint returns the signed-in user for a delegated token and 401 otherwise", async () => {
    const token = String((await password()).body.access_token);
    const res = await fetch(`${emu.url}/oidc/userinfo`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(res.status, 200);
    const body = (await res.json()) as Record<string, string>;
    assert.equal(body.name, DEV_USER.displayName);
    assert.equal(body.email, DEV_USER.userPrincipalName);
    assert.equal((await fetch(`${emu.url}/oidc/userinfo`)).status, 401);
    const garbage = await fetch(`${emu.url}/oidc/userinfo`, { headers: { authorization: "Bearer x.y.z" } });
    assert.equal(garbage.status, 401);
  });

  it("password grant: AADSTS65001 for a scope nobody consented to, 70011 for a scope that does not exist", async () => {
    const res = await password(DEV_USER, { scope: "https://graph.microsoft.com/Mail.Send" });
    assertEntraError(res, 65001, "invalid_grant", 400);
    assert.equal(res.body.suberror, "consent_required");
    assertEntraError(
      await password(DEV_USER, { scope: "https://graph.microsoft.com/Not.A.Scope" }),
      70011,
      "invalid_scope",
      400,
    );
    assertEntraError(
      await password(DEV_USER, {
        scope: "https://graph.microsoft.com/User.Read https://management.azure.com/user_impersonation",
      }),
      28000,
      "invalid_scope",
      400,
    );
  });

  it("rotates refresh tokens: the new one works, the old one is refused with AADSTS70008", async () => {
    const first = await refreshToken();
    const second = await refresh(first);
    assert.equal(second.status, 200, JSON.stringify(second.body));
    assert.ok(second.body.refresh_token);
    assert.notEqual(second.body.refresh_token, first);
    assertEntraError(await refresh(first), 70008, "invalid_grant", 400);
    const third = await refresh(String(second.body.refresh_token));
    assert.equal(third.status, 200);
  });

  it("redeems for another consented resource (multi-resource refresh token) but not an unconsented one", async () => {
    const rt = await refreshToken();
    const arm = await refresh(rt, {
      scope: "https://management.azure.com/user_impersonation offline_access",
    });
    assert.equal(arm.status, 200, JSON.stringify(arm.body));
    assert.equal(
      (await jwtVerify(String(arm.body.access_token), jwks)).payload.aud,
      "https://management.azure.com/",
    );
    const vault = await refresh(String(arm.body.refresh_token), {
      scope: "https://vault.azure.net/.default",
    });
    assertEntraError(vault, 65001, "invalid_grant", 400);
  });

  it("AADSTS700082 after 90 days without use", async () => {
    const rt = await refreshToken();
    emu.admin.advanceClock(91 * 24 * 3600 * 1000);
    const res = await refresh(rt);
    assertEntraError(res, 700082, "invalid_grant", 400);
    assert.match(String(res.body.error_description), /inactive for 91\.00:00:00/);
  });

  it("AADSTS50173 after the user's sessions are revoked; a new sign-in works again", async () => {
    const rt = await refreshToken(DEV_ADMIN);
    emu.admin.advanceClock(1000);
    emu.admin.revokeSessions({ userId: DEV_ADMIN.userPrincipalName });
    const res = await refresh(rt);
    assertEntraError(res, 50173, "invalid_grant", 400);
    assert.equal(res.body.suberror, "bad_token");
    emu.admin.advanceClock(1000);
    const fresh = await refreshToken(DEV_ADMIN);
    assert.equal((await refresh(fresh)).status, 200);
  });

  it("AADSTS9002313 for an unknown refresh token, 700005 at another tenant", async () => {
    assertEntraError(await refresh("1.Agarbage"), 9002313, "invalid_request", 400);
    assertEntraError(await refresh(await refreshToken(), {}, DEV_TENANT_P1.id), 700005, "invalid_grant", 400);
  });

  it("v1 endpoint: refresh with resource, string-typed numbers", async () => {
    const rt = await refreshToken();
    const res = await postForm(tokenUrl(DEV_TENANT.id, 1), {
      grant_type: "refresh_token",
      client_id: DEV_APP.clientId,
      refresh_token: rt,
      resource: "https://graph.microsoft.com",
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.expires_in, "3599");
    assert.equal(res.body.resource, "https://graph.microsoft.com");
    assert.ok(res.body.refresh_token);
  });
  // Last: it revokes the dev app's sessions for the rest of this emulator's life.
  it("AADSTS50173 after the app's sessions are revoked through the admin API", async () => {
    const rt = await refreshToken();
    emu.admin.advanceClock(1000);
    const revoke = await fetch(`${emu.url}/_emulator/sessions/revoke`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ clientId: DEV_APP.clientId }),
    });
    assert.equal(revoke.status, 200);
    assertEntraError(await refresh(rt), 50173, "invalid_grant", 400);
  });
});
