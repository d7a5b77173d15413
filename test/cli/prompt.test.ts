/**
 * `instance add` on a terminal asks for the flow's secret without echo. Driven through a real
 * pseudo-terminal (python3's pty module); the transcript is everything the terminal showed.
 */
import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import type { RunningEmulator } from "../../src/emulator/server.ts";
import { DEV_APP, DEV_TENANT } from "../../src/emulator/well-known.ts";
import { startRiskyUsersEmulator } from "../integrations/azure-risky-users/emulator-support.ts";
import { type CliSandbox, cliSandbox } from "./cli-helpers.ts";

const PTY = new URL("./terminal-driver.py", import.meta.url).pathname;
const MAIN = new URL("../../src/cli/main.ts", import.meta.url).pathname;
const hasPython = (() => {
  try {
    execFileSync("python3", ["-c", "import pty"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

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

test("the secret is asked on the terminal, not echoed, and works", {
  skip: !hasPython && "python3 is not installed",
}, async () => {
  const { stdout } = await promisify(execFile)(
    "python3",
    [
      PTY,
      "not shown): ",
      DEV_APP.secret,
      "--",
      process.execPath,
      MAIN,
      "instance",
      "add",
      "tty",
      "--integration",
      "AzureRiskyUsers",
      "--param",
      "authentication_type=Client Credentials",
      "--param",
      `client_id=${DEV_APP.clientId}`,
      "--param",
      `tenant_id=${DEV_TENANT.id}`,
      "--param",
      "azure_cloud=Custom",
      "--endpoint",
      `login=${emu.url}`,
      "--endpoint",
      `graph=${emu.url}`,
    ],
    { env: { ...process.env, ...cli.env } },
  );
  const { status, transcript } = JSON.parse(stdout) as { status: number; transcript: string };
  assert.equal(status, 0, transcript);
  assert.match(transcript, /Client Secret \(for Client Credentials mode\) \(client_secret, not shown\): /);
  assert.match(transcript, /Added instance tty \(AzureRiskyUsers\)\./);
  assert.equal(transcript.includes(DEV_APP.secret), false);
  const tested = await cli.run(["run", "!azure-risky-users-auth-test"]);
  assert.equal(tested.code, 0, tested.stderr);
});

test("run on a terminal draws aligned tables (no markdown pipes), without colour under NO_COLOR", {
  skip: !hasPython && "python3 is not installed",
}, async () => {
  const { stdout } = await promisify(execFile)(
    "python3",
    [
      PTY,
      "(no prompt expected)",
      "",
      "--",
      process.execPath,
      MAIN,
      "run",
      "!azure-risky-users-list limit=2 using=tty",
    ],
    { env: { ...process.env, ...cli.env, COLUMNS: "400" } },
  );
  const { status, transcript } = JSON.parse(stdout) as { status: number; transcript: string };
  assert.equal(status, 0, transcript);
  const lines = transcript.replaceAll("\r", "").split("\n");
  assert.equal(lines[0], "Risky Users List:");
  assert.match(lines[1]!, /^Id {2,}User Display Name {2,}User Principal Name/);
  assert.match(lines[2]!, /^-+ {2}-+ {2}-+/);
  assert.equal(transcript.includes("|"), false);
  assert.equal(transcript.includes("\x1b["), false);
});
