/**
 * App Service, Azure Arc and Cloud Shell managed identity emulation over real HTTP, each with the proof
 * of locality its platform demands (identity header, key-file challenge, Metadata header on a POST).
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import { startEmulator } from "../../../src/emulator/server.ts";
import { DEV_SYSTEM_IDENTITY, DEV_USER_IDENTITY } from "../../../src/emulator/well-known.ts";
import { admin, call, verifyToken } from "./support.ts";

const VAULT = "https://vault.azure.net";
const ARM = "https://management.azure.com/";

let emulator: Awaited<ReturnType<typeof startEmulator>>;
let base: string;
let identityHeader: string;

before(async () => {
  emulator = await startEmulator({ port: 0 });
  base = emulator.url.replace(/\/$/, "");
  const env = await admin(base, "managed-identity/env?source=app-service");
  identityHeader = String(env.json.IDENTITY_HEADER);
  assert.equal(env.json.IDENTITY_ENDPOINT, `${base}/msi/token`);
});
after(async () => {
  await emulator.close();
});

function appService(query: Record<string, string>, headers: Record<string, string> = {}) {
  const url = new URL(`${base}/msi/token`);
  for (const [key, value] of Object.entries({ "api-version": "2019-08-01", ...query })) {
    url.searchParams.set(key, value);
  }
  return call(url.toString(), { headers: { "X-IDENTITY-HEADER": identityHeader, ...headers } });
}

describe("App Service (2019-08-01)", () => {
  test("system-assigned: App Service's body (expires_on as a string, no expires_in)", async () => {
    const result = await appService({ resource: VAULT });
    assert.equal(result.status, 200, result.text);
    assert.deepEqual(Object.keys(result.json).sort(), [
      "access_token",
      "client_id",
      "expires_on",
      "resource",
      "token_type",
    ]);
    assert.match(result.json.expires_on as string, /^\d+$/);
    assert.equal(result.json.client_id, DEV_SYSTEM_IDENTITY.clientId);
    const claims = await verifyToken(base, result.json.access_token as string, { audience: VAULT });
    assert.equal(claims.oid, DEV_SYSTEM_IDENTITY.objectId);
  });

  for (const [param, value] of [
    ["client_id", DEV_USER_IDENTITY.clientId],
    ["principal_id", DEV_USER_IDENTITY.objectId],
    ["object_id", DEV_USER_IDENTITY.objectId],
    ["mi_res_id", DEV_USER_IDENTITY.resourceId],
  ] as const) {
    test(`user-assigned by ${param}`, async () => {
      const result = await appService({ resource: VAULT, [param]: value });
      assert.equal(result.status, 200, result.text);
      assert.equal(result.json.client_id, DEV_USER_IDENTITY.clientId);
    });
  }

  test("identity header missing (400) or wrong (401), in App Service's error shape", async () => {
    const url = `${base}/msi/token?api-version=2019-08-01&resource=${encodeURIComponent(VAULT)}`;
    const missing = await call(url);
    assert.equal(missing.status, 400);
    assert.equal(missing.json.statusCode, 400);
    assert.match(String(missing.json.message), /X-IDENTITY-HEADER/);
    assert.equal(typeof missing.json.correlationId, "string");
    const wrong = await appService({ resource: VAULT }, { "X-IDENTITY-HEADER": "not-the-header" });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.json.statusCode, 401);
  });

  test("unknown identity: App Service's message; unknown api-version refused", async () => {
    const unknown = await appService({ resource: VAULT, client_id: "00000000-0000-0000-0000-0000000000ff" });
    assert.equal(unknown.status, 400);
    assert.equal(unknown.json.message, "Unable to load the proper Managed Identity.");
    const old = await appService({ resource: VAULT, "api-version": "2017-09-01" });
    assert.equal(old.status, 400);
  });
});

describe("Azure Arc", () => {
  const arcUrl = () =>
    `${base}/arc/metadata/identity/oauth2/token?api-version=2020-06-01&resource=${encodeURIComponent(ARM)}`;

  test("401 challenge names a .key file; its content answers the challenge once", async () => {
    const challenge = await call(arcUrl(), { headers: { Metadata: "true" } });
    assert.equal(challenge.status, 401);
    const header = challenge.headers.get("www-authenticate") ?? "";
    const match = /^Basic realm=(.+\.key)$/.exec(header);
    assert.ok(match, `WWW-Authenticate names a key file: ${header}`);
    const keyFile = match[1]!;
    const secret = readFileSync(keyFile, "utf8");
    assert.ok(secret.length >= 32 && secret.length <= 4096);

    const answered = await call(arcUrl(), {
      headers: { Metadata: "true", Authorization: `Basic ${secret}` },
    });
    assert.equal(answered.status, 200, answered.text);
    for (const field of ["expires_in", "expires_on", "not_before"]) {
      assert.equal(typeof answered.json[field], "string");
    }
    const claims = await verifyToken(base, answered.json.access_token as string, { audience: ARM });
    assert.equal(claims.oid, DEV_SYSTEM_IDENTITY.objectId);
    assert.equal(existsSync(keyFile), false, "the key file is consumed");

    const replay = await call(arcUrl(), { headers: { Metadata: "true", Authorization: `Basic ${secret}` } });
    assert.equal(replay.status, 401, "a key is single use");
  });

  test("wrong key content: 401", async () => {
    await call(arcUrl(), { headers: { Metadata: "true" } });
    const wrong = await call(arcUrl(), {
      headers: { Metadata: "true", Authorization: "Basic not-the-secret" },
    });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.headers.get("www-authenticate"), null);
  });

  test("user-assigned selection echoes the selector so clients can check it was honoured", async () => {
    const url = `${arcUrl()}&msi_res_id=${encodeURIComponent(DEV_USER_IDENTITY.resourceId)}`;
    const challenge = await call(url, { headers: { Metadata: "true" } });
    const keyFile = /realm=(.+)$/.exec(challenge.headers.get("www-authenticate") ?? "")![1]!;
    const answered = await call(url, {
      headers: { Metadata: "true", Authorization: `Basic ${readFileSync(keyFile, "utf8")}` },
    });
    assert.equal(answered.status, 200, answered.text);
    assert.equal(answered.json.msi_res_id, DEV_USER_IDENTITY.resourceId);
    assert.equal(answered.json.client_id, DEV_USER_IDENTITY.clientId);
  });

  test("missing Metadata header: 400 before any challenge", async () => {
    const result = await call(arcUrl());
    assert.equal(result.status, 400);
    assert.equal(result.headers.get("www-authenticate"), null);
  });
});

describe("Cloud Shell", () => {
  const url = () => `${base}/cloudshell/token`;

  test("POST with Metadata: true and resource in the form body", async () => {
    const result = await call(url(), {
      method: "POST",
      headers: { Metadata: "true", "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ resource: ARM }).toString(),
    });
    assert.equal(result.status, 200, result.text);
    assert.equal(typeof result.json.expires_on, "string");
    await verifyToken(base, result.json.access_token as string, { audience: ARM });
  });

  test("GET is refused with 405; missing Metadata or resource with 400", async () => {
    assert.equal((await call(url(), { headers: { Metadata: "true" } })).status, 405);
    const noMetadata = await call(url(), { method: "POST", body: "resource=x" });
    assert.equal(noMetadata.status, 400);
    const noResource = await call(url(), { method: "POST", headers: { Metadata: "true" }, body: "" });
    assert.equal(noResource.status, 400);
  });
});

describe("module configuration (the managedIdentity section of the emulator config)", () => {
  test("currentVm, identityHeader and tokenLifetimeSeconds are honoured", async () => {
    const configured = await startEmulator({
      port: 0,
      config: {
        managedIdentity: {
          currentVm: "vm-elsewhere",
          identityHeader: "a-fixed-header-for-tests",
          tokenLifetimeSeconds: 3600,
        },
      },
    });
    try {
      const url = configured.url.replace(/\/$/, "");
      const state = await admin(url, "managed-identity/state");
      assert.equal(state.json.currentVm, "vm-elsewhere");
      assert.deepEqual(state.json.appService, { identityHeader: "a-fixed-header-for-tests" });
      const resource = encodeURIComponent(ARM);
      const none = await call(
        `${url}/metadata/identity/oauth2/token?api-version=2018-02-01&resource=${resource}`,
        {
          headers: { Metadata: "true" },
        },
      );
      assert.equal(none.status, 400, "vm-elsewhere has no system-assigned identity");
      const onDev = await call(
        `${url}/vm/vm-dev/metadata/identity/oauth2/token?api-version=2018-02-01&resource=${resource}`,
        {
          headers: { Metadata: "true" },
        },
      );
      assert.equal(onDev.json.expires_in, "3600");
      const appService = await call(
        `${url}/vm/vm-dev/msi/token?api-version=2019-08-01&resource=${resource}`,
        {
          headers: { "X-IDENTITY-HEADER": "a-fixed-header-for-tests" },
        },
      );
      assert.equal(appService.status, 200, appService.text);
    } finally {
      await configured.close();
    }
  });

  test("an unknown key is refused at start with a one-line configuration error", async () => {
    await assert.rejects(
      startEmulator({ port: 0, config: { managedIdentity: { currentVM: "typo" } } }),
      (error: Error & { code?: string }) => {
        assert.equal(error.code, "configuration");
        assert.match(error.message, /managedIdentity/);
        assert.doesNotMatch(error.message, /\n/);
        return true;
      },
    );
  });
});
