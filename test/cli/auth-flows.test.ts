/**
 * The auth profiles through the real binary against the emulator: `entrakit instance test` (the Test
 * button) per flow, and the authorization code flow from the CLI end to end (login URL, sign-in on the
 * emulator's pages, the redirect URL put into auth_code, redeemed once, refresh token kept, a reused code
 * explained).
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createAuthHttp } from "../../src/auth/transport.ts";
import type { RunningEmulator } from "../../src/emulator/server.ts";
import { DEV_APP, DEV_TENANT, DEV_USER } from "../../src/emulator/well-known.ts";
import { EXIT_CODES } from "../../src/errors.ts";
import { emulatorEndpointArgs } from "../../src/runtime/emulator-endpoints.ts";
import { signInThroughBrowser } from "../auth/browser.ts";
import { startResourceEmulator } from "../emulator/resources/support.ts";
import { startRiskyUsersEmulator } from "../integrations/azure-risky-users/emulator-support.ts";
import { type CliSandbox, cliSandbox } from "./cli-helpers.ts";

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

const SECRET_ENV = { APP_SECRET: DEV_APP.secret };

/** `instance add` aimed at the emulator (login and Graph on its origin). */
function add(name: string, integration: string, params: string[], extra: string[] = []): string[] {
  return [
    "instance",
    "add",
    name,
    "--integration",
    integration,
    ...params.flatMap((param) => ["--param", param]),
    "--param",
    "azure_cloud=Custom",
    "--endpoint",
    `login=${emu.url}`,
    "--endpoint",
    `graph=${emu.url}`,
    ...extra,
  ];
}

const app = [`client_id=${DEV_APP.clientId}`, `tenant_id=${DEV_TENANT.id}`];

describe("entrakit instance test", () => {
  test("client credentials with a secret: a token, then the profile's probe; exit 0 with the success text", async () => {
    const added = await cli.run(
      add(
        "risky",
        "azure-risky-users",
        ["authentication_type=Client Credentials", ...app],
        ["--secret-from-env", "client_secret=APP_SECRET"],
      ),
      { env: SECRET_ENV },
    );
    assert.equal(added.code, 0, added.stderr);
    emu.admin.clearRequests();
    const tested = await cli.run(["instance", "test", "risky"]);
    assert.equal(tested.stderr, "");
    assert.equal(tested.stdout, "Success!\n");
    assert.equal(tested.code, 0);
    assert.equal(emu.admin.requests({ path: /\/identityProtection\/riskyUsers$/ }).length, 1);
  });

  test("device code: the reference's refusal naming the auth commands, exit 5, no sign-in attempted", async () => {
    const added = await cli.run(
      add("fw", "azure-firewall", ["authentication_type=Device Code", `client_id=${DEV_APP.clientId}`]),
    );
    assert.equal(added.code, 0, added.stderr);
    emu.admin.clearRequests();
    const tested = await cli.run(["instance", "test", "fw"]);
    assert.equal(tested.code, EXIT_CODES.authentication_required);
    assert.equal(tested.stdout, "");
    assert.equal(
      tested.stderr,
      "entrakit: When using device code flow configuration, Please enable the integration and run `!azure-firewall-auth-start` and `!azure-firewall-auth-complete` to log in. You can validate the connection by running `!azure-firewall-auth-test` For more details press the (?) button.\n",
    );
    assert.equal(emu.admin.requests({ path: /oauth2/ }).length, 0);
  });

  test("managed identity: a Graph token from the identity endpoint for an integration without a probe", async () => {
    const response = await fetch(`${emu.url}/_emulator/managed-identity/env?source=app-service`);
    const identityEnv = (await response.json()) as Record<string, string>;
    const added = await cli.run(
      add("identity", "azure-active-directory-identity-and-access", [
        "authentication_type=Azure Managed Identities",
      ]),
    );
    assert.equal(added.code, 0, added.stderr);
    const tested = await cli.run(["instance", "test", "identity"], { env: identityEnv });
    assert.equal(tested.stderr, "");
    assert.equal(tested.stdout, "✅ Success!\n");
    assert.equal(tested.code, 0);
  });

  test("an unknown instance: not found, exit 8", async () => {
    const tested = await cli.run(["instance", "test", "nope"]);
    assert.equal(tested.code, EXIT_CODES.not_found);
    assert.match(tested.stderr, /^entrakit: There is no instance named "nope"\./);
  });

  test("a flow the integration lacks is refused at instance add, naming the ones it has", async () => {
    const added = await cli.run(
      add("kv", "azure-key-vault", ["authentication_type=Device Code", `client_id=${DEV_APP.clientId}`]),
    );
    assert.equal(added.code, EXIT_CODES.configuration);
    assert.equal(
      added.stderr,
      "entrakit: Azure Key Vault does not support Device Code. Use one of: Client Credentials (client secret), Client Credentials (certificate), Azure Managed Identities.\n",
    );
  });
});

describe("authorization code from the CLI", () => {
  const REDIRECT = "http://localhost/callback";
  const params = ["authentication_type=Authorization Code", ...app, `redirect_uri=${REDIRECT}`];
  const addApi = (extra: string[] = []) =>
    add("api", "microsoft-graph-api", params, ["--secret-from-env", "client_secret=APP_SECRET", ...extra]);
  let redirect = "";
  const codeGrants = () =>
    emu.admin
      .requests({ path: /oauth2\/v2\.0\/token$/ })
      .filter((entry) => entry.grantType === "authorization_code");

  test("login URL → sign-in → the redirect URL in auth_code → redeemed once → the refresh token serves later runs", async () => {
    const added = await cli.run(addApi(), { env: SECRET_ENV });
    assert.equal(added.code, 0, added.stderr);

    const generated = await cli.run(["run", "!msgraph-api-generate-login-url", "--output", "md"]);
    assert.equal(generated.code, 0, generated.stderr);
    const lines = generated.stdout.replace(/\n$/, "").split("\n");
    assert.equal(lines.length, 7, generated.stdout);
    const url = /^1\. Click on the \[login URL\]\((\S+)\) to sign in/.exec(lines[1]!)?.[1];
    assert.ok(url, lines[1]);
    assert.ok(url.startsWith(`${emu.url}/${DEV_TENANT.id}/oauth2/v2.0/authorize?`), url);

    // Before a code is configured, a command says how to get one.
    const early = await cli.run(["run", "!msgraph-api-test"]);
    assert.equal(early.code, EXIT_CODES.authentication_required, early.stderr);
    assert.match(early.stderr, /!msgraph-api-generate-login-url/);

    redirect = await signInThroughBrowser(createAuthHttp(), url, {
      login: DEV_USER.userPrincipalName,
      password: DEV_USER.password,
    });
    assert.ok(redirect.startsWith(`${REDIRECT}?code=`), redirect);
    const replaced = await cli.run(addApi(["--secret-from-env", "auth_code=AUTH_CODE", "--replace"]), {
      env: { ...SECRET_ENV, AUTH_CODE: `${redirect}&session_state=emulator-session` },
    });
    assert.equal(replaced.code, 0, replaced.stderr);

    emu.admin.clearRequests();
    const tested = await cli.run(["instance", "test", "api"]);
    assert.equal(tested.stderr, "");
    assert.equal(tested.stdout, "✅ Success!\n");
    assert.equal(codeGrants().length, 1);

    // A later process: the kept tokens serve it; the code is not sent again.
    const again = await cli.run(["run", "!msgraph-api-test"]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout.trim(), "✅ Success!");
    assert.equal(codeGrants().length, 1);
  });

  test("after auth-reset the same code is refused with what to do: generate a new login URL", async () => {
    const reset = await cli.run(["run", "!msgraph-api-auth-reset"]);
    assert.equal(reset.code, 0, reset.stderr);
    const explained =
      /^entrakit: The authorization code of api was refused: it was already used or has expired\. Run !msgraph-api-generate-login-url, sign in again, and put the new code in auth_code/;
    // The whole redirect URL: its sign-in is gone. The bare code: Entra refuses it (invalid_grant).
    const reused = await cli.run(["run", "!msgraph-api-test"]);
    assert.equal(reused.code, EXIT_CODES.authentication_failed, reused.stderr);
    assert.match(reused.stderr, explained);
    const code = new URL(redirect).searchParams.get("code")!;
    const bare = await cli.run(addApi(["--secret-from-env", "auth_code=AUTH_CODE", "--replace"]), {
      env: { ...SECRET_ENV, AUTH_CODE: code },
    });
    assert.equal(bare.code, 0, bare.stderr);
    const refused = await cli.run(["run", "!msgraph-api-test"]);
    assert.equal(refused.code, EXIT_CODES.authentication_failed, refused.stderr);
    assert.match(refused.stderr, explained);
    assert.ok(!refused.stderr.includes(code) && !refused.stderr.includes(DEV_APP.secret));
  });

  test("a code with session_state glued on is refused with the reference's text before any request", async () => {
    const added = await cli.run(addApi(["--secret-from-env", "auth_code=AUTH_CODE", "--replace"]), {
      env: { ...SECRET_ENV, AUTH_CODE: "0.AXcode&session_state=abc" },
    });
    assert.equal(added.code, 0, added.stderr);
    await cli.run(["run", "!msgraph-api-auth-reset"]);
    emu.admin.clearRequests();
    const refused = await cli.run(["run", "!msgraph-api-test"]);
    assert.equal(refused.code, EXIT_CODES.configuration);
    assert.match(
      refused.stderr,
      /^entrakit: Malformed auth_code parameter: Please copy the auth code from the redirected uri without any additional info and without the "session_state" query parameter\./,
    );
    assert.equal(emu.admin.requests({ path: /oauth2/ }).length, 0);
  });

  test("generate-login-url on an instance that does not sign in with a code says what to run instead", async () => {
    const added = await cli.run(
      add(
        "api-cc",
        "microsoft-graph-api",
        ["authentication_type=Client Credentials", ...app],
        ["--secret-from-env", "client_secret=APP_SECRET"],
      ),
      { env: SECRET_ENV },
    );
    assert.equal(added.code, 0, added.stderr);
    const refused = await cli.run(["run", "!msgraph-api-generate-login-url using=api-cc"]);
    assert.equal(refused.code, EXIT_CODES.usage);
    assert.equal(
      refused.stderr,
      "entrakit: !msgraph-api-generate-login-url is for Authorization Code instances; api-cc does not use it. Run !msgraph-api-test or entrakit instance test api-cc instead.\n",
    );
  });
});

describe("a non-Graph integration: the token audience is ARM, the API host the emulator's", () => {
  let resources: RunningEmulator;
  before(async () => {
    resources = await startResourceEmulator();
  });
  after(() => resources?.close());

  test("Azure Key Vault, client credentials: an ARM token from the v1 endpoint (as the reference), then GET /subscriptions on the emulator", async () => {
    const added = await cli.run(
      [
        "instance",
        "add",
        "kv",
        "--integration",
        "azure-key-vault",
        "--param",
        "authentication_type=Client Credentials",
        ...app.flatMap((param) => ["--param", param]),
        "--param",
        "azure_cloud=Custom",
        ...emulatorEndpointArgs(resources.url),
        "--secret-from-env",
        "client_secret=APP_SECRET",
      ],
      { env: SECRET_ENV },
    );
    assert.equal(added.code, 0, added.stderr);
    resources.admin.clearRequests();
    const tested = await cli.run(["instance", "test", "kv"]);
    assert.equal(tested.stderr, "");
    assert.equal(tested.stdout, "✅ Success!\n");
    assert.equal(tested.code, 0);
    assert.equal(resources.admin.requests({ path: /oauth2\/v2\.0\/token$/ }).length, 0);
    const tokens = resources.admin.requests({ path: /oauth2\/token$/ });
    assert.deepEqual(
      tokens.map((entry) => entry.resource),
      ["https://management.azure.com/"],
    );
    assert.equal(resources.admin.requests({ path: /^\/management\.azure\.com\/subscriptions$/ }).length, 1);
  });
});
