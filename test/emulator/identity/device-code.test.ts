import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createRemoteJWKSet, jwtVerify } from "jose";
import { type RunningEmulator, startEmulator } from "../../../src/emulator/server.ts";
import { DEV_APP, DEV_TENANT, DEV_USER } from "../../../src/emulator/well-known.ts";
import { assertEntraError, DEVICE_CODE_GRANT, getPage, hiddenField, postForm, postPage } from "./helpers.ts";

const CONFIDENTIAL_APP = "3f4a5b6c-7d8e-4f9a-8b0c-1d2e3f4a5b6c";

describe("device code flow", () => {
  let emu: RunningEmulator;
  let jwks: ReturnType<typeof createRemoteJWKSet>;
  before(async () => {
    emu = await startEmulator({
      config: {
        apps: [
          {
            clientId: CONFIDENTIAL_APP,
            displayName: "No public client flows",
            homeTenant: DEV_TENANT.id,
            allowPublicClient: false,
            delegatedScopes: [{ resource: "https://graph.microsoft.com", value: "User.Read" }],
          },
        ],
        consents: [
          {
            tenant: DEV_TENANT.id,
            clientId: CONFIDENTIAL_APP,
            resource: "https://graph.microsoft.com",
            delegated: [{ principal: "admin", scopes: ["User.Read"] }],
          },
        ],
      },
    });
    jwks = createRemoteJWKSet(new URL(`${emu.url}/common/discovery/v2.0/keys`));
  });
  after(() => emu.close());

  const start = async (
    tenant = "organizations",
    clientId: string = DEV_APP.clientId,
    scope = "https://graph.microsoft.com/User.Read offline_access openid",
  ) => {
    const res = await postForm(`${emu.url}/${tenant}/oauth2/v2.0/devicecode`, { client_id: clientId, scope });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body as {
      device_code: string;
      user_code: string;
      verification_uri: string;
      expires_in: number;
      interval: number;
      message: string;
    };
  };
  const poll = (
    deviceCode: string,
    tenant = "organizations",
    field: "device_code" | "code" = "device_code",
    clientId: string = DEV_APP.clientId,
  ) =>
    postForm(`${emu.url}/${tenant}/oauth2/v2.0/token`, {
      grant_type: DEVICE_CODE_GRANT,
      client_id: clientId,
      [field]: deviceCode,
    });

  /** Enter the code, sign in, then approve or decline on the device login pages. */
  async function answer(userCode: string, decision: "accept" | "cancel") {
    const entry = await getPage(`${emu.url}/devicelogin`);
    assert.match(entry.html, /name="otc"/);
    const signIn = await postPage(`${emu.url}/devicelogin`, { otc: userCode.toLowerCase(), action: "code" });
    assert.match(signIn.html, /name="passwd"/);
    const confirm = await postPage(`${emu.url}/devicelogin`, {
      interaction: hiddenField(signIn.html, "interaction"),
      login: DEV_USER.userPrincipalName,
      passwd: DEV_USER.password,
      action: "signin",
    });
    assert.match(confirm.html, /Are you trying to sign in to entrakit dev app\?/);
    return postPage(`${emu.url}/devicelogin`, {
      interaction: hiddenField(confirm.html, "interaction"),
      action: decision,
    });
  }

  it("answers /devicecode like Entra: user code, device code, verification URI, 900 s, 5 s, message", async () => {
    const flow = await start();
    assert.match(flow.user_code, /^[A-Z0-9]{9}$/);
    assert.ok(flow.device_code.length > 60);
    assert.equal(flow.verification_uri, `${emu.url}/devicelogin`);
    assert.equal(flow.expires_in, 900);
    assert.equal(flow.interval, 5);
    assert.ok(flow.message.includes(flow.user_code) && flow.message.includes(flow.verification_uri));
    assert.equal(emu.admin.lastDeviceCode()?.userCode, flow.user_code);
  });

  it("polls authorization_pending, slow_down when too fast, then tokens once approved; reuse is refused", async () => {
    const flow = await start();
    assertEntraError(await poll(flow.device_code), 70016, "authorization_pending", 400);
    assertEntraError(await poll(flow.device_code), 50196, "slow_down", 400);
    emu.admin.advanceClock(5000);
    const done = await answer(flow.user_code, "accept");
    assert.match(done.html, /You have signed in to the entrakit dev app application on your device/);
    const res = await poll(flow.device_code, "organizations", "code");
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.ok(res.body.refresh_token);
    assert.ok(res.body.id_token);
    const { payload } = await jwtVerify(String(res.body.access_token), jwks, {
      audience: "https://graph.microsoft.com",
      currentDate: new Date(emu.admin.clock().now),
    });
    assert.equal(payload.tid, DEV_TENANT.id);
    assert.equal(payload.scp, "User.Read");
    assertEntraError(await poll(flow.device_code), 70008, "invalid_grant", 400);
  });

  it("authorization_declined when the person cancels", async () => {
    const flow = await start(DEV_TENANT.id);
    await answer(flow.user_code, "cancel");
    assertEntraError(await poll(flow.device_code, DEV_TENANT.id), 70000, "authorization_declined", 400);
  });

  it("expired_token after expires_in (clock advanced), and the page refuses the code", async () => {
    const flow = await start();
    emu.admin.advanceClock(901 * 1000);
    try {
      assertEntraError(await poll(flow.device_code), 70019, "expired_token", 400);
      const page = await postPage(`${emu.url}/devicelogin`, { otc: flow.user_code, action: "code" });
      assert.match(page.html, /AADSTS70019:/);
    } finally {
      emu.admin.advanceClock(-901 * 1000);
    }
  });

  it("bad_verification_code for an unknown device code; the page rejects an unknown user code", async () => {
    assertEntraError(await poll("DAQABIQEAAAD-not-a-device-code"), 70018, "bad_verification_code", 400);
    const page = await postPage(`${emu.url}/devicelogin`, { otc: "ZZZZZZZZZ", action: "code" });
    assert.match(page.html, /role="alert"[^>]*>AADSTS70018:/);
  });

  it("AADSTS7000218 when the app does not allow public client flows", async () => {
    const flow = await start(DEV_TENANT.id, CONFIDENTIAL_APP, "https://graph.microsoft.com/User.Read");
    assertEntraError(
      await poll(flow.device_code, DEV_TENANT.id, "device_code", CONFIDENTIAL_APP),
      7000218,
      "invalid_client",
      401,
    );
  });

  it("serves the v1 /oauth2/devicecode with verification_url and string numbers", async () => {
    const res = await postForm(`${emu.url}/${DEV_TENANT.id}/oauth2/devicecode`, {
      client_id: DEV_APP.clientId,
      resource: "https://graph.microsoft.com",
    });
    assert.equal(res.status, 200);
    assert.equal(res.body.verification_url, `${emu.url}/devicelogin`);
    assert.equal(res.body.expires_in, "900");
    assert.equal(res.body.interval, "5");
  });

  it("AADSTS700016 / 500011 at /devicecode for an unknown app or resource", async () => {
    assertEntraError(
      await postForm(`${emu.url}/organizations/oauth2/v2.0/devicecode`, {
        client_id: "00000000-1111-4222-8333-444444444444",
        scope: "openid",
      }),
      700016,
      "unauthorized_client",
      400,
    );
    assertEntraError(
      await postForm(`${emu.url}/organizations/oauth2/v2.0/devicecode`, {
        client_id: DEV_APP.clientId,
        scope: "https://nothing.example.com/.default",
      }),
      500011,
      "invalid_resource",
      400,
    );
  });

  it("the admin API shows the last user code", async () => {
    const flow = await start();
    const res = await fetch(`${emu.url}/_emulator/device-codes/last`);
    assert.equal(res.status, 200);
    const body = (await res.json()) as { userCode: string; status: string };
    assert.equal(body.userCode, flow.user_code);
    assert.equal(body.status, "pending");
  });
});
