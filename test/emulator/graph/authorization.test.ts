import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { RunningEmulator } from "../../../src/emulator/server.ts";
import {
  ARM_APP_ID,
  DEV_ADMIN,
  DEV_TENANT,
  DEV_TENANT_P1,
  DEV_USER,
} from "../../../src/emulator/well-known.ts";
import { graph, startGraphEmulator, token } from "./support.ts";

const RISKY_USERS = "/v1.0/identityProtection/riskyUsers";
const DETECTIONS = "/v1.0/identityProtection/riskDetections";
const DENIED = "Insufficient privileges to complete the operation.";

function error(result: { body: Record<string, unknown> }): Record<string, string> {
  return result.body.error as Record<string, string>;
}

describe("Graph authorization, licences and errors", () => {
  let emu: RunningEmulator;
  before(async () => {
    emu = await startGraphEmulator({ riskyUsers: 30, detections: 60 });
  });
  after(() => emu.close());

  it("answers 401 InvalidAuthenticationToken with WWW-Authenticate for missing, forged, expired and foreign tokens", async () => {
    const good = await token(emu);
    const [header, payload] = good.split(".");
    const forged = `${header}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload!, "base64url").toString()), roles: ["x"] })).toString("base64url")}.${good.split(".")[2]}`;
    const armToken = await token(emu, { resource: ARM_APP_ID });
    const cases: Array<[string | undefined, string]> = [
      [undefined, "Access token is empty."],
      ["not-a-jwt", "IDX14100: JWT is not well formed. Access token validation failure."],
      [forged, "Access token validation failure. Invalid signature."],
      [armToken, "Access token validation failure. Invalid audience."],
    ];
    for (const [bearer, message] of cases) {
      const result = await graph(emu, RISKY_USERS, bearer);
      assert.equal(result.status, 401, message);
      assert.equal(error(result).code, "InvalidAuthenticationToken");
      assert.equal(error(result).message, message);
      assert.match(
        result.headers.get("www-authenticate")!,
        /^Bearer realm="", authorization_uri="https:\/\/login\.microsoftonline\.com\/common\/oauth2\/authorize", client_id="00000003-0000-0000-c000-000000000000"$/,
      );
      assert.ok(result.headers.get("request-id"));
      assert.equal(result.text.includes(good), false, "the token is never echoed");
    }
    const expiring = await token(emu, { lifetimeSeconds: 60 });
    emu.core.clock.advance(61_000);
    try {
      const expired = await graph(emu, RISKY_USERS, expiring);
      assert.equal(expired.status, 401);
      assert.equal(error(expired).message, "Lifetime validation failed, the token is expired.");
    } finally {
      emu.core.clock.reset();
    }
  });

  it("needs the read permission in roles for reads and ReadWrite for actions", async () => {
    const none = await token(emu, { roles: ["User.Read.All"] });
    for (const path of [RISKY_USERS, DETECTIONS]) {
      const result = await graph(emu, path, none);
      assert.equal(result.status, 403);
      assert.equal(error(result).code, "Authorization_RequestDenied");
      assert.equal(error(result).message, DENIED);
    }
    const readOnly = await token(emu, {
      roles: ["IdentityRiskyUser.Read.All", "IdentityRiskEvent.Read.All"],
    });
    assert.equal((await graph(emu, RISKY_USERS, readOnly)).status, 200);
    assert.equal((await graph(emu, DETECTIONS, readOnly)).status, 200);
    const write = await graph(emu, `${RISKY_USERS}/dismiss`, readOnly, { body: { userIds: [DEV_USER.id] } });
    assert.equal(write.status, 403);
    assert.equal(error(write).message, DENIED);
    const readWrite = await token(emu, {
      roles: ["IdentityRiskyUser.ReadWrite.All", "IdentityRiskEvent.ReadWrite.All"],
    });
    assert.equal((await graph(emu, RISKY_USERS, readWrite)).status, 200);
    assert.equal((await graph(emu, DETECTIONS, readWrite)).status, 200);
    assert.equal(
      (await graph(emu, `${RISKY_USERS}/dismiss`, readWrite, { body: { userIds: [DEV_USER.id] } })).status,
      204,
    );
    const usersDenied = await graph(emu, "/v1.0/users", readWrite);
    assert.equal(usersDenied.status, 403);
  });

  it("reads scp for delegated tokens and needs a supported directory role", async () => {
    const admin = emu.core.directory.user(DEV_TENANT.id, DEV_ADMIN.id)!;
    const alice = emu.core.directory.user(DEV_TENANT.id, DEV_USER.id)!;
    const scopes = ["IdentityRiskyUser.Read.All", "IdentityRiskEvent.Read.All"];
    assert.equal((await graph(emu, RISKY_USERS, await token(emu, { user: admin, scopes }))).status, 200);
    const noScope = await graph(emu, RISKY_USERS, await token(emu, { user: admin, scopes: ["User.Read"] }));
    assert.equal(noScope.status, 403);
    // Alice holds the scope but no Identity Protection role.
    const noRole = await graph(emu, DETECTIONS, await token(emu, { user: alice, scopes }));
    assert.equal(noRole.status, 403);
    assert.equal(error(noRole).message, DENIED);
  });

  it("says 'not licensed' on riskyUsers in a P1-only tenant, where riskDetections still work", async () => {
    const p1 = await token(emu, { tenantId: DEV_TENANT_P1.id });
    for (const path of [
      RISKY_USERS,
      `${RISKY_USERS}/${DEV_USER.id}`,
      `${RISKY_USERS}/${DEV_USER.id}/history`,
    ]) {
      const result = await graph(emu, path, p1);
      assert.equal(result.status, 403, path);
      assert.equal(error(result).code, "Forbidden");
      assert.match(error(result).message, /^Your tenant is not licensed for this feature\./);
    }
    const action = await graph(emu, `${RISKY_USERS}/confirmSafe`, p1, { body: { userIds: [DEV_USER.id] } });
    assert.equal(action.status, 403);
    assert.match(error(action).message, /not licensed/);
    const detections = await graph(emu, DETECTIONS, p1);
    assert.equal(detections.status, 200);
    const org = await graph(emu, "/v1.0/organization", p1);
    assert.equal((org.body.value as Record<string, unknown>[])[0]!.id, DEV_TENANT_P1.id);
  });

  it("puts request-id and the echoed client-request-id on every answer", async () => {
    const bearer = await token(emu);
    const ok = await graph(emu, RISKY_USERS, bearer, { headers: { "client-request-id": "abc-123" } });
    assert.equal(ok.headers.get("client-request-id"), "abc-123");
    assert.match(ok.headers.get("request-id")!, /^[0-9a-f-]{36}$/);
    const noClientId = await graph(emu, RISKY_USERS, bearer);
    assert.equal(noClientId.headers.get("client-request-id"), noClientId.headers.get("request-id"));
    const denied = await graph(emu, RISKY_USERS, undefined, { headers: { "client-request-id": "xyz" } });
    assert.equal(denied.headers.get("client-request-id"), "xyz");
    assert.equal(
      (error(denied) as unknown as { innerError: Record<string, string> }).innerError["client-request-id"],
      "xyz",
    );
  });
});
