/**
 * The spec's unit-test cases 12 and 13 (azure-risky-users.md §5) re-expressed against the emulator, through
 * the real binary. Where the reference mocked its HTTP client and read the arguments back, these read the
 * emulator's request log (method, path, grant type, scope, client id, resource: never a secret).
 *   12. client construction: a Device Code instance asks for the device-code grant with the delegated
 *       scopes at the organizations endpoints; a Client Credentials instance sends client_credentials with
 *       `https://graph.microsoft.com/.default` to its tenant's token endpoint. The reference's literal
 *       device-code scope string prefixes only its first permission and repeats Read.All; entrakit sends
 *       each delegated permission once, each on Graph's identifier (what Entra reads the reference's as).
 *   13. the Test button (`entrakit instance test`) with managed identities, with and without a client id:
 *       success, and the IMDS request has `resource=https://graph.microsoft.com/` (the cloud table's v1
 *       resource, trailing slash included, as the reference sends it) and `client_id` only when one was given.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { RunningEmulator } from "../../../src/emulator/server.ts";
import { DEV_APP, DEV_TENANT, DEV_USER_IDENTITY } from "../../../src/emulator/well-known.ts";
import { EXIT_CODES } from "../../../src/errors.ts";
import { type CliSandbox, cliSandbox } from "../../cli/cli-helpers.ts";
import { startRiskyUsersEmulator } from "./emulator-support.ts";

const DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";
/** The profile's delegated permissions, each on Graph's identifier, and a refresh token. */
const DELEGATED_SCOPES = [
  "https://graph.microsoft.com/IdentityRiskyUser.Read.All",
  "https://graph.microsoft.com/IdentityRiskEvent.ReadWrite.All",
  "https://graph.microsoft.com/IdentityRiskyUser.ReadWrite.All",
  "offline_access",
];

let emu: RunningEmulator;
let cli: CliSandbox;

before(async () => {
  emu = await startRiskyUsersEmulator();
  cli = cliSandbox();
});
after(async () => {
  cli?.close();
  await emu?.close();
});

/** Adds an instance aimed at the emulator (a Custom cloud); `extra` are more options. */
function add(name: string, params: string[], extra: string[] = [], env: Record<string, string> = {}) {
  const args = ["instance", "add", name, "--integration", "AzureRiskyUsers"];
  for (const p of [...params, "azure_cloud=Custom"]) args.push("--param", p);
  args.push("--endpoint", `login=${emu.url}`, "--endpoint", `graph=${emu.url}`, ...extra);
  return cli.run(args, { env });
}

/** Every logged request's fields together, to prove no secret reached the log. */
const logText = () => JSON.stringify(emu.admin.requests());

describe("case 12: client construction, per authentication type", () => {
  test("Device Code: the device-code grant, the delegated scopes, the organizations endpoints", async () => {
    const added = await add("dc", ["authentication_type=Device Code", `client_id=${DEV_APP.clientId}`]);
    assert.equal(added.code, 0, added.stderr);
    emu.admin.clearRequests();

    const started = await cli.run(["run", "!azure-risky-users-auth-start using=dc"]);
    assert.equal(started.code, 0, started.stderr);
    const pending = await cli.run(["run", "!azure-risky-users-auth-complete using=dc"]);
    assert.equal(pending.code, EXIT_CODES.authorization_pending, pending.stderr);

    const [authorize, ...moreAuthorize] = emu.admin.requests({ path: /\/devicecode$/ });
    assert.equal(moreAuthorize.length, 0);
    assert.equal(authorize!.method, "POST");
    assert.equal(authorize!.path, "/organizations/oauth2/v2.0/devicecode");
    assert.equal(authorize!.clientId, DEV_APP.clientId);
    assert.deepEqual(authorize!.scope!.split(" ").sort(), [...DELEGATED_SCOPES].sort());

    const [poll, ...morePolls] = emu.admin.requests({ path: /\/token$/ });
    assert.equal(morePolls.length, 0);
    assert.equal(poll!.path, "/organizations/oauth2/v2.0/token");
    assert.equal(poll!.grantType, DEVICE_CODE_GRANT);
    assert.equal(poll!.clientId, DEV_APP.clientId);
    assert.equal(poll!.status, 400);
    const userCode = emu.admin.lastDeviceCode()!.userCode;
    assert.equal(logText().includes(userCode), false);
  });

  test("Client Credentials: client_credentials and Graph's .default at the tenant's token endpoint", async () => {
    const added = await add(
      "cc",
      [
        "authentication_type=Client Credentials",
        `client_id=${DEV_APP.clientId}`,
        `tenant_id=${DEV_TENANT.id}`,
      ],
      ["--secret-from-env", "client_secret=APP_SECRET"],
      { APP_SECRET: DEV_APP.secret },
    );
    assert.equal(added.code, 0, added.stderr);
    emu.admin.clearRequests();

    const tested = await cli.run(["run", "!azure-risky-users-auth-test using=cc"]);
    assert.equal(tested.code, 0, tested.stderr);
    assert.match(tested.stdout, /Success!/);

    const tokens = emu.admin.requests({ path: /\/token$/ });
    assert.equal(tokens.length, 1);
    assert.equal(tokens[0]!.method, "POST");
    assert.equal(tokens[0]!.path, `/${DEV_TENANT.id}/oauth2/v2.0/token`);
    assert.equal(tokens[0]!.grantType, "client_credentials");
    assert.equal(tokens[0]!.scope, "https://graph.microsoft.com/.default");
    assert.equal(tokens[0]!.clientId, DEV_APP.clientId);
    assert.equal(tokens[0]!.status, 200);
    assert.equal(logText().includes(DEV_APP.secret), false);
  });
});

describe("case 13: the Test button with managed identities", () => {
  let imdsEnv: Record<string, string>;
  before(async () => {
    const response = await fetch(`${emu.url}/_emulator/managed-identity/env?source=imds`);
    assert.equal(response.status, 200);
    imdsEnv = (await response.json()) as Record<string, string>;
  });

  const cases = [
    { name: "mi-system", clientId: undefined },
    { name: "mi-user", clientId: DEV_USER_IDENTITY.clientId },
  ];
  for (const { name, clientId } of cases) {
    test(`${clientId ? "with" : "without"} a client id: success; client_id sent only when given`, async () => {
      const params = ["authentication_type=Azure Managed Identities"];
      if (clientId) params.push(`managed_identities_client_id=${clientId}`);
      const added = await add(name, params);
      assert.equal(added.code, 0, added.stderr);
      emu.admin.clearRequests();

      const tested = await cli.run(["instance", "test", name], { env: imdsEnv });
      assert.equal(tested.stderr, "");
      assert.equal(tested.code, 0);
      assert.equal(tested.stdout, "Success!\n");

      const imds = emu.admin.requests({ path: /\/metadata\/identity\/oauth2\/token$/ });
      assert.equal(imds.length, 1);
      assert.equal(imds[0]!.method, "GET");
      assert.equal(imds[0]!.status, 200);
      assert.equal(imds[0]!.resource, "https://graph.microsoft.com/");
      assert.equal(imds[0]!.clientId, clientId);
      // The probe went to Graph with the identity's token.
      assert.equal(emu.admin.requests({ path: /\/v1\.0\/identityProtection\/riskyUsers$/ }).length, 1);
    });
  }
});
