/**
 * `identity.refreshTokenReuse`: "single-use" (the default) consumes a redeemed refresh token; "entra" keeps it
 * valid until its inactivity limit or a revocation, like the real Microsoft identity platform.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { parseConfig } from "../../../src/emulator/config.ts";
import { type RunningEmulator, startEmulator } from "../../../src/emulator/server.ts";
import { DEV_ADMIN, DEV_APP, DEV_TENANT, DEV_USER } from "../../../src/emulator/well-known.ts";
import { EntrakitError } from "../../../src/errors.ts";
import { assertEntraError, postForm } from "./helpers.ts";

const SCOPES = "openid profile offline_access https://graph.microsoft.com/User.Read";

function client(emu: () => RunningEmulator) {
  const tokenUrl = () => `${emu().url}/${DEV_TENANT.id}/oauth2/v2.0/token`;
  return {
    async signIn(user: { userPrincipalName: string; password: string } = DEV_USER): Promise<string> {
      const res = await postForm(tokenUrl(), {
        grant_type: "password",
        client_id: DEV_APP.clientId,
        username: user.userPrincipalName,
        password: user.password,
        scope: SCOPES,
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return String(res.body.refresh_token);
    },
    refresh: (token: string) =>
      postForm(tokenUrl(), {
        grant_type: "refresh_token",
        client_id: DEV_APP.clientId,
        refresh_token: token,
        scope: SCOPES,
      }),
  };
}

describe('refreshTokenReuse: "single-use" (the default)', () => {
  let emu: RunningEmulator;
  before(async () => {
    emu = await startEmulator();
  });
  after(() => emu.close());
  const { signIn, refresh } = client(() => emu);

  it("a redeemed refresh token is refused with AADSTS70008; its successor works", async () => {
    const first = await signIn();
    const second = await refresh(first);
    assert.equal(second.status, 200, JSON.stringify(second.body));
    assertEntraError(await refresh(first), 70008, "invalid_grant", 400);
    assert.equal((await refresh(String(second.body.refresh_token))).status, 200);
  });
});

describe('refreshTokenReuse: "entra"', () => {
  let emu: RunningEmulator;
  before(async () => {
    emu = await startEmulator({ config: { identity: { refreshTokenReuse: "entra" } } });
  });
  after(() => emu.close());
  const { signIn, refresh } = client(() => emu);

  it("a redeemed refresh token stays valid, and each redemption issues a new pair", async () => {
    const first = await signIn();
    const a = await refresh(first);
    const b = await refresh(first);
    assert.equal(a.status, 200, JSON.stringify(a.body));
    assert.equal(b.status, 200, JSON.stringify(b.body));
    const refreshTokens = new Set([first, a.body.refresh_token, b.body.refresh_token]);
    assert.equal(refreshTokens.size, 3, "every redemption rotates the refresh token");
    assert.notEqual(a.body.access_token, b.body.access_token);
    // Both successors (and the original) keep working.
    assert.equal((await refresh(String(a.body.refresh_token))).status, 200);
    assert.equal((await refresh(String(b.body.refresh_token))).status, 200);
    assert.equal((await refresh(first)).status, 200);
  });

  it("a redeemed refresh token still dies after 90 days without use (AADSTS700082)", async () => {
    emu.admin.resetClock();
    const first = await signIn();
    assert.equal((await refresh(first)).status, 200);
    emu.admin.advanceClock(91 * 24 * 3600 * 1000);
    assertEntraError(await refresh(first), 700082, "invalid_grant", 400);
    emu.admin.resetClock();
  });

  it("a revocation kills the redeemed token and its successors (AADSTS50173)", async () => {
    const first = await signIn(DEV_ADMIN);
    const second = String((await refresh(first)).body.refresh_token);
    emu.admin.advanceClock(1000);
    emu.admin.revokeSessions({ userId: DEV_ADMIN.userPrincipalName });
    assertEntraError(await refresh(first), 50173, "invalid_grant", 400);
    assertEntraError(await refresh(second), 50173, "invalid_grant", 400);
  });
});

describe("refreshTokenReuse: config validation", () => {
  it("accepts both modes, defaults to single-use in the module, and refuses anything else in one line", async () => {
    assert.equal(
      parseConfig({ identity: { refreshTokenReuse: "entra" } }).identity?.refreshTokenReuse,
      "entra",
    );
    assert.equal(parseConfig({ identity: {} }).identity?.refreshTokenReuse, "single-use");
    assert.throws(
      () => parseConfig({ identity: { refreshTokenReuse: "forever" } }),
      (error: unknown) =>
        error instanceof EntrakitError &&
        error.code === "configuration" &&
        /identity\.refreshTokenReuse/.test(error.message) &&
        !error.message.includes("\n"),
    );
    await assert.rejects(startEmulator({ config: { identity: { refreshTokenReuse: "twice" } } }), {
      code: "configuration",
    });
  });
});
