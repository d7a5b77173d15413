/**
 * A vendor-app instance (`self_deployed=false`) through the real binary: the triple from a proxy
 * registration (ID with the proxy URL, Token = tenant, Key from the environment), tokens from the OAuth
 * proxy, Graph calls to the emulator.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { DEV_TENANT } from "../../src/emulator/well-known.ts";
import { EXIT_CODES } from "../../src/errors.ts";
import { APPLICATION_APP, type Stack, startStack } from "../proxy/support.ts";
import { type CliSandbox, cliSandbox } from "./cli-helpers.ts";

let stack: Stack;
let cli: CliSandbox;
let id: string;
let key: string;

before(async () => {
  stack = await startStack({ preConsented: true });
  cli = cliSandbox();
  const created = await stack.proxy.registrations.create({
    appName: APPLICATION_APP.name,
    kind: "application",
    tenantId: DEV_TENANT.id,
  });
  id = `${created.registration.id}@${stack.proxy.url}/obtain-token`;
  key = created.key;
});
after(async () => {
  cli?.close();
  await stack?.close();
});

const addArgs = (name: string, extra: string[]) => [
  "instance",
  "add",
  name,
  "--integration",
  "AzureRiskyUsers",
  "--param",
  "authentication_type=Client Credentials",
  "--param",
  "self_deployed=false",
  "--param",
  `ID=${id}`,
  "--param",
  `Token=${DEV_TENANT.id}`,
  "--param",
  "azure_cloud=Custom",
  "--endpoint",
  `graph=${stack.emulator.url}`,
  ...extra,
];

test("vendor app: the Key sealed, tokens through the proxy, a list from Graph", async () => {
  const added = await cli.run(
    addArgs("vendor", ["--secret-from-env", "Key=PROXY_KEY", "--vendor-app", APPLICATION_APP.name]),
    { env: { PROXY_KEY: key } },
  );
  assert.equal(added.code, 0, added.stderr);
  assert.equal(readFileSync(join(cli.dir, "store.db")).includes(Buffer.from(key)), false);
  const shown = JSON.parse((await cli.run(["instance", "show", "vendor", "--json"])).stdout);
  assert.equal(shown.params.client_secret, "********");
  assert.equal(shown.vendorApp, APPLICATION_APP.name);

  const tested = await cli.run(["run", "!azure-risky-users-auth-test"]);
  assert.equal(tested.stderr, "");
  assert.equal(tested.code, 0);
  const list = await cli.run(["run", "!azure-risky-users-list limit=2", "--output", "json"]);
  assert.equal(list.code, 0, list.stderr);
  assert.equal((JSON.parse(list.stdout)[0].outputs.data as unknown[]).length, 2);
});

test("vendor app under the wrong app name: the proxy refuses, one line, the Key never printed", async () => {
  const added = await cli.run(
    addArgs("other", ["--secret-from-env", "Key=PROXY_KEY", "--vendor-app", "not-this-app"]),
    { env: { PROXY_KEY: key } },
  );
  assert.equal(added.code, 0, added.stderr);
  const tested = await cli.run(["run", "!azure-risky-users-auth-test using=other"]);
  assert.notEqual(tested.code, 0);
  assert.notEqual(tested.code, EXIT_CODES.internal, tested.stderr);
  assert.equal(tested.stderr.includes(key), false);
  assert.equal(tested.stderr.trim().split("\n").length, 1, tested.stderr);
});

test("--vendor-app on a self-deployed instance is a usage error", async () => {
  const result = await cli.run([
    "instance",
    "add",
    "mixed",
    "--integration",
    "AzureRiskyUsers",
    "--param",
    "authentication_type=Azure Managed Identities",
    "--vendor-app",
    "x",
  ]);
  assert.equal(result.code, EXIT_CODES.usage);
  assert.match(
    result.stderr,
    /--vendor-app is only for instances that use the vendor app\. Add --param self_deployed=false/,
  );
});
