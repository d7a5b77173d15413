/**
 * `entrakit instance edit|export|import` through the real binary against the emulator: an edit that
 * changes the secret drops the cached token (the next run signs in with the new one), invalid edits change
 * nothing, exported files are 0600 and carry no secret in clear, and a round trip into a fresh store (its
 * own master key) runs commands against the emulator.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import { parse, stringify } from "yaml";
import type { RunningEmulator } from "../../src/emulator/server.ts";
import { DEV_APP, DEV_TENANT } from "../../src/emulator/well-known.ts";
import { EXIT_CODES } from "../../src/errors.ts";
import { startRiskyUsersEmulator } from "../integrations/azure-risky-users/emulator-support.ts";
import {
  APP_SECRET_ENV,
  type CliResult,
  type CliSandbox,
  cliSandbox,
  emulatorInstanceArgs,
} from "./cli-helpers.ts";

const PASSPHRASE = "a passphrase for the export test";
const PTY = new URL("./terminal-driver.py", import.meta.url).pathname;
const MAIN = new URL("../../src/cli/main.ts", import.meta.url).pathname;

let emu: RunningEmulator;
let cli: CliSandbox;
const sandboxes: CliSandbox[] = [];

before(async () => {
  emu = await startRiskyUsersEmulator();
  cli = cliSandbox();
  sandboxes.push(cli);
  const added = await cli.run(emulatorInstanceArgs("risky", emu.url), { env: APP_SECRET_ENV });
  assert.equal(added.code, 0, added.stderr);
});
after(async () => {
  for (const sandbox of sandboxes) sandbox.close();
  await emu?.close();
});

function fresh(): CliSandbox {
  const sandbox = cliSandbox();
  sandboxes.push(sandbox);
  return sandbox;
}

/** One line on stderr, nothing on stdout, the documented exit status. */
function assertOneLineError(result: CliResult, code: number, pattern: RegExp): void {
  assert.equal(result.code, code, result.stderr);
  assert.equal(result.stdout, "");
  assert.equal(result.stderr.trim().split("\n").length, 1, result.stderr);
  assert.match(result.stderr, /^entrakit: /);
  assert.match(result.stderr, pattern);
}

const tokenRequests = () => emu.admin.requests({ path: /\/oauth2\/v2\.0\/token$/ }).length;

async function showJson(sandbox: CliSandbox, name: string) {
  const shown = await sandbox.run(["instance", "show", name, "--json"]);
  assert.equal(shown.code, 0, shown.stderr);
  return JSON.parse(shown.stdout) as { params: Record<string, unknown>; endpoints: Record<string, string> };
}

describe("entrakit instance edit", () => {
  test("a new secret clears the cached token: a wrong one fails the next run, the right one works again", async () => {
    const warm = await cli.run(["run", "!azure-risky-users-auth-test"]);
    assert.equal(warm.code, 0, warm.stderr);
    const before = tokenRequests();
    const cached = await cli.run(["run", "!azure-risky-users-auth-test"]);
    assert.equal(cached.code, 0, cached.stderr);
    assert.equal(tokenRequests(), before, "the second run uses the cached token");

    const wrong = await cli.run(["instance", "edit", "risky", "--secret-from-env", "Key=WRONG"], {
      env: { WRONG: "not-the-secret" },
    });
    assert.equal(wrong.code, 0, wrong.stderr);
    assert.equal(
      wrong.stdout,
      "Updated instance risky: client_secret.\nIts cached tokens were cleared (the sign-in changed); the next command signs in again.\n",
    );
    const refused = await cli.run(["run", "!azure-risky-users-auth-test"]);
    assert.equal(refused.code, EXIT_CODES.authentication_failed, refused.stderr);

    const right = await cli.run(["instance", "edit", "risky", "--secret-stdin", "client_secret"], {
      stdin: `${DEV_APP.secret}\n`,
    });
    assert.equal(right.code, 0, right.stderr);
    const works = await cli.run(["run", "!azure-risky-users-auth-test"]);
    assert.equal(works.code, 0, works.stderr);
    assert.match(works.stdout, /Success!/);
  });

  test("a non-credential change keeps the cached token; an edit to the current values changes nothing", async () => {
    const same = await cli.run([
      "instance",
      "edit",
      "risky",
      "--param",
      "insecure=false",
      "--param",
      "proxy=no",
    ]);
    assert.equal(same.code, 0, same.stderr);
    assert.equal(same.stdout, "Instance risky unchanged (the values given are the current ones).\n");

    const before = tokenRequests();
    const edited = await cli.run(["instance", "edit", "risky", "--param", "proxy=true"]);
    assert.equal(edited.code, 0, edited.stderr);
    assert.equal(edited.stdout, "Updated instance risky: proxy.\n");
    const tested = await cli.run(["run", "!azure-risky-users-auth-test"]);
    assert.equal(tested.code, 0, tested.stderr);
    assert.equal(tokenRequests(), before, "no new token request");
    const shown = await showJson(cli, "risky");
    assert.equal(shown.params.proxy, true);
    assert.equal(shown.params.client_id, DEV_APP.clientId);
    assert.equal(shown.params.client_secret, "********");
    assert.deepEqual(shown.endpoints, { login: emu.url, graph: emu.url });
  });

  test("on a terminal, a switch to a flow that needs a secret asks for it without echo", async () => {
    const target = fresh();
    const added = await target.run([
      "instance",
      "add",
      "dc",
      "--integration",
      "AzureRiskyUsers",
      "--param",
      `client_id=${DEV_APP.clientId}`,
      "--param",
      "azure_cloud=Custom",
      "--endpoint",
      `login=${emu.url}`,
      "--endpoint",
      `graph=${emu.url}`,
    ]);
    assert.equal(added.code, 0, added.stderr);
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
        "edit",
        "dc",
        "--param",
        "authentication_type=Client Credentials",
        "--param",
        `tenant_id=${DEV_TENANT.id}`,
      ],
      { env: { ...process.env, ...target.env } },
    );
    const { status, transcript } = JSON.parse(stdout) as { status: number; transcript: string };
    assert.equal(status, 0, transcript);
    assert.match(transcript, /\(client_secret, not shown\): /);
    assert.match(transcript, /Updated instance dc: authentication_type, tenant_id, client_secret\./);
    assert.match(transcript, /Its cached tokens were cleared/);
    assert.equal(transcript.includes(DEV_APP.secret), false);
    const tested = await target.run(["instance", "test", "dc"]);
    assert.equal(tested.code, 0, tested.stderr);
    assert.equal(tested.stdout, "Success!\n");
  });

  test("invalid edits: one line, a hint, the documented exit status, and nothing changed", async () => {
    const before = await showJson(cli, "risky");
    assertOneLineError(
      await cli.run(["instance", "edit", "risky", "--param", `client_secret=${DEV_APP.secret}`]),
      EXIT_CODES.usage,
      /Refusing the secret client_secret on the command line .* Use --secret-from-env client_secret=VAR/,
    );
    assertOneLineError(
      await cli.run(["instance", "edit", "risky", "--param", "azure_cloud=Mars"]),
      EXIT_CODES.configuration,
      /Invalid value "Mars" for azure_cloud\. Valid values: Worldwide/,
    );
    assertOneLineError(
      await cli.run(["instance", "edit", "risky", "--unset", "client_secret"]),
      EXIT_CODES.configuration,
      /needs client_secret/,
    );
    assertOneLineError(
      await cli.run(["instance", "edit", "risky", "--endpoint", "login=http://example.com"]),
      EXIT_CODES.usage,
      /Endpoint login must use https \(plain http only on loopback\)\. Write --endpoint login=https:\/\/example\.com\./,
    );
    assertOneLineError(
      await cli.run(["instance", "edit", "risky", "--secret-from-env", "client_secret=UNSET_VAR"]),
      EXIT_CODES.usage,
      /Environment variable UNSET_VAR \(for client_secret\) is not set\. Export UNSET_VAR first/,
    );
    assertOneLineError(
      await cli.run(["instance", "edit", "ghost", "--param", "proxy=true"]),
      EXIT_CODES.not_found,
      /There is no instance named "ghost"\. Instances: risky\./,
    );
    assert.deepEqual(await showJson(cli, "risky"), before);
    const works = await cli.run(["run", "!azure-risky-users-auth-test"]);
    assert.equal(works.code, 0, works.stderr);
  });
});

describe("entrakit instance export and import", () => {
  test("export without secrets: mode 0600, secrets listed as omitted, none in the file", async () => {
    const file = join(cli.dir, "plain.yaml");
    const exported = await cli.run(["instance", "export", "--output", file]);
    assert.equal(exported.code, 0, exported.stderr);
    assert.equal(
      exported.stdout,
      `Exported 1 instance (risky) to ${file}; secrets omitted: risky.client_secret.\n`,
    );
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const text = readFileSync(file, "utf8");
    assert.equal(text.includes(DEV_APP.secret), false);
    const doc = parse(text);
    assert.deepEqual(doc.instances.risky.secrets_omitted, ["client_secret"]);
    assert.deepEqual(doc.instances.risky.endpoints, { login: emu.url, graph: emu.url });
    // To stdout, the same document.
    const printed = await cli.run(["instance", "export", "risky"]);
    assert.equal(printed.code, 0, printed.stderr);
    assert.deepEqual(parse(printed.stdout).instances, doc.instances);
  });

  test("import without the secrets: says what to set; run works after instance edit", async () => {
    const target = fresh();
    const imported = await target.run(["instance", "import", join(cli.dir, "plain.yaml")]);
    assert.equal(imported.code, 0, imported.stderr);
    assert.equal(
      imported.stdout,
      "Imported risky (AzureRiskyUsers).\n" +
        "  risky has no client_secret yet (not in the file): entrakit instance edit risky --secret-from-env client_secret=VAR\n",
    );
    const early = await target.run(["run", "!azure-risky-users-auth-test"]);
    assert.equal(early.code, EXIT_CODES.configuration);
    assert.match(early.stderr, /needs client_secret/);
    const edited = await target.run(["instance", "edit", "risky", "--secret-from-env", "client_secret=S"], {
      env: { S: DEV_APP.secret },
    });
    assert.equal(edited.code, 0, edited.stderr);
    const list = await target.run(["run", "!azure-risky-users-list limit=3", "--output", "json"]);
    assert.equal(list.code, 0, list.stderr);
    assert.equal((JSON.parse(list.stdout)[0].outputs.data as unknown[]).length, 3);
  });

  test("round trip with sealed secrets into a fresh store: run works against the emulator", async () => {
    const file = join(cli.dir, "sealed.yaml");
    const missing = await cli.run(["instance", "export", "--include-secrets", "--output", file]);
    assertOneLineError(
      missing,
      EXIT_CODES.usage,
      /--include-secrets needs a passphrase .* --passphrase-env VAR/,
    );
    const exported = await cli.run(
      ["instance", "export", "risky", "--include-secrets", "--passphrase-env", "PASS", "--output", file],
      { env: { PASS: PASSPHRASE } },
    );
    assert.equal(exported.code, 0, exported.stderr);
    assert.match(exported.stdout, /secrets sealed under the passphrase/);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const text = readFileSync(file, "utf8");
    assert.equal(text.includes(DEV_APP.secret), false);
    assert.equal(parse(text).sealing.kdf, "scrypt");

    const target = fresh();
    assert.notEqual(target.env.ENTRAKIT_MASTER_KEY, cli.env.ENTRAKIT_MASTER_KEY);
    assertOneLineError(
      await target.run(["instance", "import", file]),
      EXIT_CODES.usage,
      /holds sealed secrets\. Give the export passphrase: --passphrase-env VAR\./,
    );
    assertOneLineError(
      await target.run(["instance", "import", file, "--passphrase-env", "PASS"], {
        env: { PASS: "a different passphrase" },
      }),
      EXIT_CODES.sealed_data,
      /The passphrase does not open this file's secrets/,
    );
    const imported = await target.run(["instance", "import", file, "--passphrase-env", "PASS"], {
      env: { PASS: PASSPHRASE },
    });
    assert.equal(imported.code, 0, imported.stderr);
    assert.equal(imported.stdout, "Imported risky (AzureRiskyUsers).\n");
    assert.equal(readFileSync(join(target.dir, "store.db")).includes(Buffer.from(DEV_APP.secret)), false);
    const list = await target.run(["run", "!azure-risky-users-list limit=2", "--output", "json"]);
    assert.equal(list.code, 0, list.stderr);
    assert.equal((JSON.parse(list.stdout)[0].outputs.data as unknown[]).length, 2);

    const again = await target.run(["instance", "import", file, "--passphrase-env", "PASS"], {
      env: { PASS: PASSPHRASE },
    });
    assertOneLineError(
      again,
      EXIT_CODES.conflict,
      /Instances already exist: risky; nothing was imported\. Add --replace/,
    );
    const replaced = await target.run(["instance", "import", file, "--passphrase-env", "PASS", "--replace"], {
      env: { PASS: PASSPHRASE },
    });
    assert.equal(replaced.code, 0, replaced.stderr);
    assert.match(replaced.stdout, /^Imported risky \(AzureRiskyUsers\), replacing the existing one/);
  });

  test("an invalid document imports nothing (exit 2), naming the instance and the field", async () => {
    const doc = parse(readFileSync(join(cli.dir, "plain.yaml"), "utf8"));
    doc.instances.second = { ...doc.instances.risky };
    doc.instances.third = {
      ...doc.instances.risky,
      params: { ...doc.instances.risky.params, self_deployed: "perhaps" },
    };
    const file = join(cli.dir, "invalid.yaml");
    writeFileSync(file, stringify(doc));
    const target = fresh();
    assertOneLineError(
      await target.run(["instance", "import", file]),
      EXIT_CODES.usage,
      /invalid\.yaml: instance "third": self_deployed: "perhaps" is not true or false\. Set self_deployed=true/,
    );
    assertOneLineError(
      await target.run(["instance", "import", join(cli.dir, "no-such.yaml")]),
      EXIT_CODES.not_found,
      /Cannot read .*no-such\.yaml: ENOENT\. Give the path of a file written by entrakit instance export/,
    );
    const piped = await target.run(["instance", "import", "-"], { stdin: "instances: [\n" });
    assertOneLineError(piped, EXIT_CODES.usage, /stdin: not valid YAML: /);
    const list = await target.run(["instance", "list"]);
    assert.equal(list.stdout, "No instances. Add one with: entrakit instance add\n");
  });
});
