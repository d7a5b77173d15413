/**
 * A device-code instance through the real binary, one process per step as a user would run them:
 * auth-test refuses with the reference's text, auth-start prints the code, auth-complete reports
 * "still pending" until the user approves on the emulator's device login page, then completes from a
 * later process and the delegated token serves a list.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { RunningEmulator } from "../../src/emulator/server.ts";
import { DEV_ADMIN } from "../../src/emulator/well-known.ts";
import { EXIT_CODES } from "../../src/errors.ts";
import { hiddenField, postPage } from "../emulator/identity/helpers.ts";
import { startRiskyUsersEmulator } from "../integrations/azure-risky-users/emulator-support.ts";
import { type CliSandbox, cliSandbox, emulatorInstanceArgs } from "./cli-helpers.ts";

let emu: RunningEmulator;
let cli: CliSandbox;

before(async () => {
  emu = await startRiskyUsersEmulator();
  cli = cliSandbox();
  const added = await cli.run(emulatorInstanceArgs("dc", emu.url, { flow: "Device Code" }));
  assert.equal(added.code, 0, added.stderr);
});
after(async () => {
  cli?.close();
  await emu?.close();
});

/** Types the user code, signs in as the dev admin and approves, as a person would in a browser. */
async function approve(userCode: string): Promise<string> {
  const signIn = await postPage(`${emu.url}/devicelogin`, { otc: userCode, action: "code" });
  assert.match(signIn.html, /name="passwd"/);
  let page = await postPage(`${emu.url}/devicelogin`, {
    interaction: hiddenField(signIn.html, "interaction"),
    login: DEV_ADMIN.userPrincipalName,
    passwd: DEV_ADMIN.password,
    action: "signin",
  });
  for (let step = 0; step < 3 && /name="interaction"/.test(page.html); step++) {
    page = await postPage(`${emu.url}/devicelogin`, {
      interaction: hiddenField(page.html, "interaction"),
      action: "accept",
    });
  }
  return page.html;
}

test("device code: refusal, start, pending, approve, complete from a later process, then a list", async () => {
  const refused = await cli.run(["run", "!azure-risky-users-auth-test"]);
  assert.equal(refused.code, EXIT_CODES.authentication_required);
  assert.equal(refused.stdout, "");
  assert.match(
    refused.stderr,
    /please enable the integration and run the `azure-risky-users-auth-start` command/,
  );

  const started = await cli.run(["run", "!azure-risky-users-auth-start", "--output", "md"]);
  assert.equal(started.code, 0, started.stderr);
  const userCode = emu.admin.lastDeviceCode()?.userCode;
  assert.ok(userCode);
  assert.ok(started.stdout.includes(userCode), started.stdout);
  assert.ok(started.stdout.includes(`${emu.url}/devicelogin`));
  assert.ok(started.stdout.includes("!azure-risky-users-auth-complete"));

  const pending = await cli.run(["run", "!azure-risky-users-auth-complete"]);
  assert.equal(pending.code, EXIT_CODES.authorization_pending, pending.stderr);
  assert.equal(pending.stderr.trim().split("\n").length, 1);

  const done = await approve(userCode);
  assert.match(done, /You have signed in/);
  // Entra asks pollers to keep their interval; let it pass on the emulator's clock.
  emu.admin.advanceClock(10_000);
  const completed = await cli.run(["run", "!azure-risky-users-auth-complete"]);
  assert.equal(completed.code, 0, completed.stderr);
  assert.match(completed.stdout, /Authorization completed successfully/);

  const tested = await cli.run(["run", "!azure-risky-users-auth-test"]);
  assert.equal(tested.code, 0, tested.stderr);
  const list = await cli.run(["run", "!azure-risky-users-list limit=2", "--output", "json"]);
  assert.equal(list.code, 0, list.stderr);
  assert.equal((JSON.parse(list.stdout)[0].outputs.data as unknown[]).length, 2);

  const reset = await cli.run(["run", "!azure-risky-users-auth-reset"]);
  assert.equal(reset.code, 0, reset.stderr);
  const after = await cli.run(["run", "!azure-risky-users-auth-test"]);
  assert.equal(after.code, EXIT_CODES.authentication_required, after.stderr);
});
