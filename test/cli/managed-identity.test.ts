/**
 * A managed-identity instance through the real binary: the child gets the App Service variables the
 * emulator hands out, and the instance needs no secret at all.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { RunningEmulator } from "../../src/emulator/server.ts";
import { startRiskyUsersEmulator } from "../integrations/azure-risky-users/emulator-support.ts";
import { type CliSandbox, cliSandbox } from "./cli-helpers.ts";

let emu: RunningEmulator;
let cli: CliSandbox;
let identityEnv: Record<string, string>;

before(async () => {
  emu = await startRiskyUsersEmulator();
  cli = cliSandbox();
  const response = await fetch(`${emu.url}/_emulator/managed-identity/env?source=app-service`);
  assert.equal(response.status, 200);
  identityEnv = (await response.json()) as Record<string, string>;
});
after(async () => {
  cli?.close();
  await emu?.close();
});

test("managed identity: no secret stored, a token from the identity endpoint, the probe answered", async () => {
  const added = await cli.run([
    "instance",
    "add",
    "mi",
    "--integration",
    "AzureRiskyUsers",
    "--param",
    "authentication_type=Azure Managed Identities",
    "--param",
    "azure_cloud=Custom",
    "--endpoint",
    `graph=${emu.url}`,
  ]);
  assert.equal(added.code, 0, added.stderr);
  const tested = await cli.run(["run", "!azure-risky-users-auth-test"], { env: identityEnv });
  assert.equal(tested.stderr, "");
  assert.equal(tested.code, 0);
  const without = await cli.run(["run", "!azure-risky-users-auth-reset"], { env: identityEnv });
  assert.equal(without.code, 0, without.stderr);
});
