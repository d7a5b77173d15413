/**
 * The real `entrakit` binary with a Microsoft Graph API instance on a Custom cloud aimed at the emulator:
 * a generic GET with paging as markdown, and a bad JSON body refused with exit 2 before any request.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { RunningEmulator } from "../../src/emulator/server.ts";
import { DEV_TENANT } from "../../src/emulator/well-known.ts";
import { EXIT_CODES } from "../../src/errors.ts";
import { startRiskyUsersEmulator } from "../integrations/azure-risky-users/emulator-support.ts";
import { APP_SECRET_ENV, type CliSandbox, cliSandbox, emulatorInstanceArgs } from "./cli-helpers.ts";

let emu: RunningEmulator;
let cli: CliSandbox;

before(async () => {
  emu = await startRiskyUsersEmulator();
  cli = cliSandbox();
  const added = await cli.run(
    emulatorInstanceArgs("graph", emu.url, { integration: "microsoft-graph-api" }),
    { env: APP_SECRET_ENV },
  );
  assert.equal(added.code, 0, added.stderr);
});
after(async () => {
  cli?.close();
  await emu?.close();
});

test("msgraph-api-request with limit across pages: JSON entries, the items in MicrosoftGraph", async () => {
  const result = await cli.run([
    "run",
    "!msgraph-api-request resource=/identityProtection/riskyUsers odata=$top=4 limit=9",
    "--output",
    "json",
  ]);
  assert.equal(result.code, 0, result.stderr);
  const [entry] = JSON.parse(result.stdout) as { outputs: { prefix: string; data: { id: string }[] } }[];
  assert.equal(entry!.outputs.prefix, "MicrosoftGraph");
  assert.equal(new Set(entry!.outputs.data.map((user) => user.id)).size, 9);
  const md = await cli.run(["run", "!msgraph-api-request resource=/organization", "--output", "md"]);
  assert.equal(md.code, 0, md.stderr);
  assert.match(md.stdout, /^### GET \/v1\.0\/organization\n/);
  assert.ok(md.stdout.includes(DEV_TENANT.id));
});

test("a request_body that is not JSON: exit 2, one line with the fix, nothing on stdout", async () => {
  const result = await cli.run([
    "run",
    "!msgraph-api-request resource=/users http_method=POST request_body='{x'",
  ]);
  assert.equal(result.code, EXIT_CODES.usage);
  assert.equal(result.stdout, "");
  assert.match(
    result.stderr,
    /^entrakit: Invalid request body - .*request_body='\{"displayName": "Sales"\}'/,
  );
  assert.equal(result.stderr.trim().split("\n").length, 1);
});
