/**
 * The real `entrakit` binary with a Defender for Endpoint instance: the reference's Custom endpoint type
 * (`url` = the emulator's `<emulator>/api.securitycenter.microsoft.com`), sign-in at the emulator, alerts
 * listed across nextLinks as JSON, the context merged by ID, and an unknown id exiting not_found.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { RunningEmulator } from "../../src/emulator/server.ts";
import { DEV_APP, DEV_TENANT } from "../../src/emulator/well-known.ts";
import { EXIT_CODES } from "../../src/errors.ts";
import { startDefenderEmulator } from "../integrations/defender-endpoint/emulator-support.ts";
import { type CliSandbox, cliSandbox } from "./cli-helpers.ts";

let emu: RunningEmulator;
let cli: CliSandbox;

before(async () => {
  emu = await startDefenderEmulator();
  cli = cliSandbox();
  const added = await cli.run(
    [
      "instance",
      "add",
      "mde",
      "--integration",
      "microsoft-defender-for-endpoint",
      "--param",
      "authentication_type=Client Credentials",
      "--param",
      `client_id=${DEV_APP.clientId}`,
      "--param",
      `tenant_id=${DEV_TENANT.id}`,
      "--param",
      "azure_cloud=Custom",
      "--param",
      "endpoint_type=Custom",
      "--param",
      `url=${emu.url}/api.securitycenter.microsoft.com`,
      "--endpoint",
      `login=${emu.url}`,
      "--secret-from-env",
      "client_secret=APP_SECRET",
    ],
    { env: { APP_SECRET: DEV_APP.secret } },
  );
  assert.equal(added.code, 0, added.stderr);
});
after(async () => {
  cli?.close();
  await emu?.close();
});

test("list-alerts limit=10 --output json: ten alerts over two pages, keyed by ID in the context", async () => {
  const result = await cli.run(["run", "!microsoft-atp-list-alerts limit=10", "--output", "json"]);
  assert.equal(result.code, 0, result.stderr);
  const [entry] = JSON.parse(result.stdout) as {
    outputs: { prefix: string; data: { ID: string }[] };
    contextKey: string;
  }[];
  assert.equal(entry!.outputs.prefix, "MicrosoftATP.Alert");
  assert.equal(entry!.contextKey, "MicrosoftATP.Alert(val.ID && val.ID == obj.ID)");
  assert.equal(new Set(entry!.outputs.data.map((alert) => alert.ID)).size, 10);
  const ids = await cli.run(["context", "show", "mde", "MicrosoftATP.Alert.ID"]);
  assert.equal(ids.code, 0, ids.stderr);
  assert.deepEqual(
    JSON.parse(ids.stdout),
    entry!.outputs.data.map((alert) => alert.ID),
  );
});

test("get-machine-details of an unknown id: exit not_found, one line naming the list command", async () => {
  const result = await cli.run(["run", "!microsoft-atp-get-machine-details machine_id=ffff"]);
  assert.equal(result.code, EXIT_CODES.not_found);
  assert.equal(result.stdout, "");
  assert.match(
    result.stderr,
    /^entrakit: No machine with the ID ffff was found\. .*!microsoft-atp-get-machines/,
  );
  assert.equal(result.stderr.trim().split("\n").length, 1);
});
