/**
 * Azure IMDS emulation over real HTTP: the wire shape clients parse (string-typed numbers, error bodies),
 * identity selection, the simulated VM, and the retry-relevant statuses through the core's fault injection.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { startEmulator } from "../../../src/emulator/server.ts";
import {
  ARM_APP_ID,
  DEV_SYSTEM_IDENTITY,
  DEV_TENANT,
  DEV_USER_IDENTITY,
  DEV_VM,
  GRAPH_APP_ID,
} from "../../../src/emulator/well-known.ts";
import { admin, call, verifyToken } from "./support.ts";

const ARM = "https://management.azure.com/";
const GRAPH = "https://graph.microsoft.com";

let emulator: Awaited<ReturnType<typeof startEmulator>>;
let base: string;

function imds(query: Record<string, string>, init: RequestInit = {}, prefix = ""): ReturnType<typeof call> {
  const url = new URL(`${base}${prefix}/metadata/identity/oauth2/token`);
  for (const [key, value] of Object.entries({ "api-version": "2018-02-01", ...query })) {
    url.searchParams.set(key, value);
  }
  return call(url.toString(), { ...init, headers: { Metadata: "true", ...init.headers } });
}

before(async () => {
  emulator = await startEmulator({ port: 0 });
  base = emulator.url.replace(/\/$/, "");
});
after(async () => {
  await emulator.close();
});

describe("IMDS token endpoint", () => {
  test("system-assigned identity: 200 with every number as a string and a verifiable v1 token", async () => {
    const result = await imds({ resource: ARM });
    assert.equal(result.status, 200, result.text);
    const body = result.json;
    for (const field of ["expires_in", "expires_on", "ext_expires_in", "not_before"]) {
      assert.equal(typeof body[field], "string", `${field} is a string`);
      assert.match(body[field] as string, /^\d+$/, `${field} is a decimal number`);
    }
    assert.equal(body.resource, ARM);
    assert.equal(body.token_type, "Bearer");
    assert.equal(body.client_id, DEV_SYSTEM_IDENTITY.clientId);
    assert.equal(body.refresh_token, "");
    const expiresIn = Number(body.expires_in);
    assert.ok(
      expiresIn > 3600 && expiresIn <= 86_400,
      `managed identity tokens live about a day (${expiresIn})`,
    );
    assert.equal(Number(body.expires_on) - Number(body.not_before), expiresIn);

    const claims = await verifyToken(base, body.access_token as string, { audience: ARM });
    assert.equal(claims.tid, DEV_TENANT.id);
    assert.equal(claims.oid, DEV_SYSTEM_IDENTITY.objectId);
    assert.equal(claims.sub, DEV_SYSTEM_IDENTITY.objectId);
    assert.equal(claims.appid, DEV_SYSTEM_IDENTITY.clientId);
    assert.equal(claims.idtyp, "app");
    assert.equal(claims.ver, "1.0");
    assert.match(String(claims.xms_mirid), /\/virtualMachines\/vm-dev$/);
    assert.equal(claims.exp, Number(body.expires_on));
  });

  test("roles come from the identity's grants for the requested API", async () => {
    const graph = await imds({ resource: GRAPH });
    assert.equal(graph.status, 200, graph.text);
    const claims = await verifyToken(base, graph.json.access_token as string, { audience: GRAPH });
    assert.ok(Array.isArray(claims.roles) && (claims.roles as string[]).includes("User.Read.All"));
    assert.equal(graph.json.resource, GRAPH, "the resource is echoed as asked, without a slash added");

    const arm = await imds({ resource: ARM_APP_ID });
    assert.equal(arm.status, 200, arm.text);
    const armClaims = await verifyToken(base, arm.json.access_token as string, { audience: ARM_APP_ID });
    assert.equal(armClaims.roles, undefined, "no ARM app roles were granted to the identity");
    assert.notEqual(GRAPH_APP_ID, ARM_APP_ID);
  });

  for (const [param, value] of [
    ["client_id", DEV_USER_IDENTITY.clientId],
    ["object_id", DEV_USER_IDENTITY.objectId],
    ["msi_res_id", DEV_USER_IDENTITY.resourceId],
    ["mi_res_id", DEV_USER_IDENTITY.resourceId.toUpperCase()],
  ] as const) {
    test(`user-assigned identity selected by ${param}`, async () => {
      const result = await imds({ resource: ARM, [param]: value });
      assert.equal(result.status, 200, result.text);
      assert.equal(result.json.client_id, DEV_USER_IDENTITY.clientId);
      const claims = await verifyToken(base, result.json.access_token as string, { audience: ARM });
      assert.equal(claims.oid, DEV_USER_IDENTITY.objectId);
      assert.equal(claims.xms_mirid, DEV_USER_IDENTITY.resourceId);
    });
  }

  test("selectors are mutually exclusive", async () => {
    const result = await imds({
      resource: ARM,
      client_id: DEV_USER_IDENTITY.clientId,
      object_id: DEV_USER_IDENTITY.objectId,
    });
    assert.equal(result.status, 400);
    assert.equal(result.json.error, "invalid_request");
    assert.match(String(result.json.error_description), /client_id.*object_id/);
  });

  test("missing Metadata header: 400 with IMDS's body (the DefaultAzureCredential probe sees this)", async () => {
    const probe = await call(`${base}/metadata/identity/oauth2/token`);
    assert.equal(probe.status, 400);
    assert.deepEqual(probe.json, {
      error: "invalid_request",
      error_description: "Required metadata header not specified",
    });
    const wrong = await imds({ resource: ARM }, { headers: { Metadata: "false" } });
    assert.equal(wrong.status, 400);
  });

  test("missing api-version or resource, unknown api-version: 400 invalid_request", async () => {
    const noVersion = await call(
      `${base}/metadata/identity/oauth2/token?resource=${encodeURIComponent(ARM)}`,
      {
        headers: { Metadata: "true" },
      },
    );
    assert.equal(noVersion.status, 400);
    assert.match(String(noVersion.json.error_description), /api-version/);
    const noResource = await imds({});
    assert.equal(noResource.status, 400);
    assert.equal(noResource.json.error_description, "Required query variable 'resource' is missing");
    const badVersion = await imds({ resource: ARM, "api-version": "1999-01-01" });
    assert.equal(badVersion.status, 400);
    assert.match(String(badVersion.json.error_description), /1999-01-01/);
  });

  test("unknown identity: 400 Identity not found", async () => {
    const result = await imds({ resource: ARM, client_id: "00000000-0000-0000-0000-00000000abcd" });
    assert.equal(result.status, 400);
    assert.deepEqual(result.json, { error: "invalid_request", error_description: "Identity not found" });
  });

  test("unknown resource: 400 invalid_resource carrying AADSTS500011 in Entra's shape", async () => {
    const result = await imds({ resource: "https://nothing.example.com/" });
    assert.equal(result.status, 400);
    assert.equal(result.json.error, "invalid_resource");
    const description = String(result.json.error_description);
    assert.match(
      description,
      /^AADSTS500011: The resource principal named https:\/\/nothing\.example\.com\//,
    );
    assert.match(
      description,
      /Trace ID: [0-9a-f-]{36}\r\nCorrelation ID: \S+\r\nTimestamp: \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/,
    );
    assert.deepEqual(result.json.error_codes, [500011]);
    assert.equal(typeof result.json.trace_id, "string");
  });

  test("only GET: other methods get 405", async () => {
    const result = await imds({ resource: ARM }, { method: "POST" });
    assert.equal(result.status, 405);
    assert.equal(result.headers.get("allow"), "GET");
  });

  test("a proxied request (X-Forwarded-For) is refused", async () => {
    const result = await imds({ resource: ARM }, { headers: { "X-Forwarded-For": "10.0.0.1" } });
    assert.equal(result.status, 400);
  });
});

describe("which VM is calling", () => {
  test("a /vm/{name} prefix selects the VM; a VM without a system identity finds none", async () => {
    const own = await imds({ resource: ARM }, {}, `/vm/${DEV_VM.name}`);
    assert.equal(own.status, 200, own.text);
    assert.equal(own.json.client_id, DEV_SYSTEM_IDENTITY.clientId);
    const other = await imds({ resource: ARM }, {}, "/vm/vm-other");
    assert.equal(other.status, 400);
    assert.equal(other.json.error_description, "Identity not found");
    const userOnOther = await imds(
      { resource: ARM, client_id: DEV_USER_IDENTITY.clientId },
      {},
      "/vm/vm-other",
    );
    assert.equal(userOnOther.status, 400, "the user-assigned identity is attached to vm-dev only");
  });

  test("the admin API switches the current VM and reports the state", async () => {
    const initial = await admin(base, "managed-identity/state");
    assert.equal(initial.json.currentVm, DEV_VM.name);
    try {
      const switched = await admin(base, "managed-identity/current-vm", { vm: "vm-other" });
      assert.equal(switched.json.currentVm, "vm-other");
      const result = await imds({ resource: ARM });
      assert.equal(result.status, 400);
    } finally {
      await admin(base, "managed-identity/current-vm", { vm: DEV_VM.name });
    }
    const back = await imds({ resource: ARM });
    assert.equal(back.status, 200);
  });

  test("the admin API refuses a malformed current-vm body with a clear message", async () => {
    const result = await call(`${base}/_emulator/managed-identity/current-vm`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "x" }),
    });
    assert.equal(result.status, 400);
    assert.match(String(result.json.error), /"vm"/);
  });

  test("the admin API gives the environment a client needs", async () => {
    const env = await admin(base, `managed-identity/env?source=imds&vm=${DEV_VM.name}`);
    assert.equal(env.json.AZURE_POD_IDENTITY_AUTHORITY_HOST, `${base}/vm/${DEV_VM.name}`);
  });
});

describe("retry-relevant statuses through fault injection", () => {
  for (const status of [404, 410, 429, 500, 503]) {
    test(`${status} is served once, then the endpoint answers normally`, async () => {
      await admin(base, "faults", {
        path: "/metadata/identity/oauth2/token",
        status,
        count: 1,
        ...(status === 429 ? { retryAfterSeconds: 2 } : {}),
      });
      const failed = await imds({ resource: ARM });
      assert.equal(failed.status, status);
      if (status === 429) assert.equal(failed.headers.get("retry-after"), "2");
      const next = await imds({ resource: ARM });
      assert.equal(next.status, 200, next.text);
    });
  }
});
