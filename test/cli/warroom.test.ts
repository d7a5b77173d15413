/**
 * `entrakit warroom` end to end: the real binary against the emulator, scripted through stdin (results on
 * stdout, one-line errors on stderr, the last failure's exit status) and driven through a real
 * pseudo-terminal (python3's pty module): the prompt, tab completion, history across two sessions, !help,
 * Ctrl-C and Ctrl-D.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import type { RunningEmulator } from "../../src/emulator/server.ts";
import { EXIT_CODES } from "../../src/errors.ts";
import { startRiskyUsersEmulator } from "../integrations/azure-risky-users/emulator-support.ts";
import { APP_SECRET_ENV, type CliSandbox, cliSandbox, emulatorInstanceArgs } from "./cli-helpers.ts";

const PTY = new URL("./terminal-driver.py", import.meta.url).pathname;
const MAIN = new URL("../../src/cli/main.ts", import.meta.url).pathname;

let emu: RunningEmulator;
let cli: CliSandbox;

async function addInstance(name: string): Promise<void> {
  const added = await cli.run(emulatorInstanceArgs(name, emu.url), { env: APP_SECRET_ENV });
  assert.equal(added.code, 0, added.stderr);
}

before(async () => {
  emu = await startRiskyUsersEmulator();
  cli = cliSandbox();
  await addInstance("risky");
});
after(async () => {
  cli?.close();
  await emu?.close();
});

const script = (...lines: string[]) => `${lines.join("\n")}\n`;

describe("warroom with stdin piped (a script)", () => {
  test("results on stdout, no prompt; a failed line is one stderr line and the script goes on", async () => {
    const run = await cli.run(["warroom"], {
      stdin: script(
        "# comments and blank lines are skipped",
        "",
        "!azure-risky-users-list limit=2",
        "!azure-risky-users-lst limit=2",
        "!help azure-risky-user-get",
        "!context AzureRiskyUsers.RiskyUser.id",
      ),
    });
    assert.equal(run.code, EXIT_CODES.usage, "the status of the last line that failed");
    assert.equal(
      run.stderr,
      "entrakit: Unknown command !azure-risky-users-lst. Did you mean !azure-risky-users-list? Run !help to list the commands.\n",
    );
    assert.equal(run.stdout.includes("entrakit>"), false);
    assert.ok(run.stdout.startsWith("### Risky Users List:\n|Id|User Display Name|"), run.stdout);
    assert.match(run.stdout, /### !azure-risky-user-get\nRetrieves/);
    assert.match(run.stdout, /\| id \| yes \| Risky user ID to retrieve\. \|/);
    const ids = [...run.stdout.matchAll(/^\| ([0-9a-f-]{36}) \|/gm)].map((m) => m[1]);
    assert.equal(ids.length, 2);
    const context = JSON.parse(run.stdout.slice(run.stdout.lastIndexOf("\n[\n") + 1)) as string[];
    assert.deepEqual(context, ids, "!context reads what the list merged into the context");
  });

  test("the exit status is the last failure's, 0 when every line worked; !exit stops reading", async () => {
    const ok = await cli.run(["warroom"], { stdin: script("!azure-risky-users-auth-test", "!help") });
    assert.equal(ok.stderr, "");
    assert.equal(ok.code, 0);
    assert.match(ok.stdout.split("\n")[0]!, /Success!$/, "the profile's auth-test text");
    assert.match(ok.stdout, /### Azure Risky Users commands\n/);
    assert.match(ok.stdout, /\| !azure-risky-users-auth-reset \| /);
    assert.match(ok.stdout, /### War Room built-ins\n/);
    const tables = [...ok.stdout.matchAll(/^### .* commands$/gm)].map((m) => m[0]);
    assert.deepEqual(tables, ["### Azure Risky Users commands"], "only integrations that have an instance");

    const empty = await cli.run(["warroom"], {
      stdin: script("!help"),
      env: { ENTRAKIT_STORE: `sqlite:${join(cli.dir, "empty.db")}` },
    });
    assert.equal(empty.code, 0, empty.stderr);
    assert.ok(empty.stdout.startsWith("No instance yet: add one with entrakit instance add NAME"));
    const all = [...empty.stdout.matchAll(/^### .* commands$/gm)].map((m) => m[0]);
    assert.ok(all.length > 1 && all.includes("### Azure Risky Users commands"), "every integration");

    const failures = await cli.run(["warroom"], {
      stdin: script(
        "!azure-risky-users-list risk_level=severe",
        "!azure-risky-user-get id=00000000-0000-4000-8000-000000000000",
        "!azure-risky-users-list limit=1",
        "!exit",
        "!azure-risky-users-list limit=nope",
      ),
    });
    assert.equal(failures.code, EXIT_CODES.not_found);
    const errors = failures.stderr.trimEnd().split("\n");
    assert.equal(errors.length, 2, failures.stderr);
    assert.match(
      errors[0]!,
      /^entrakit: Invalid value "severe" for risk_level\. Valid values: low, medium, high\./,
    );
    assert.match(errors[1]!, /^entrakit: .*not a risky user \(or not found\)/);
    assert.match(failures.stdout, /### Risky Users List:/);
  });

  test("--instance picks the instance for lines without using=; --output json; !help on an unknown command", async () => {
    await addInstance("second");
    const ambiguous = await cli.run(["warroom"], { stdin: script("!azure-risky-users-list limit=1") });
    assert.equal(ambiguous.code, EXIT_CODES.usage);
    assert.match(ambiguous.stderr, /There are 2 Azure Risky Users instances: .*Add using=NAME/);

    const picked = await cli.run(["warroom", "--instance", "second", "--output", "json"], {
      stdin: script("!azure-risky-users-list limit=1", "!context", "!help azure-risky-users-lsit"),
    });
    assert.equal(picked.code, EXIT_CODES.usage);
    assert.equal(
      picked.stderr,
      "entrakit: Unknown command !azure-risky-users-lsit. Did you mean !azure-risky-users-list? Run !help to list the commands.\n",
    );
    const entries = JSON.parse(picked.stdout.slice(0, picked.stdout.indexOf("\n]\n") + 2)) as {
      outputs: { prefix: string };
    }[];
    assert.equal(entries[0]!.outputs.prefix, "AzureRiskyUsers.RiskyUser");
    const second = await cli.run(["context", "show", "second", "AzureRiskyUsers.RiskyUser.id"]);
    assert.equal(second.code, 0, "the line ran against --instance second");

    const missing = await cli.run(["warroom", "--instance", "nope"], { stdin: script("!help") });
    assert.equal(missing.code, EXIT_CODES.not_found);
    assert.equal(missing.stderr.trimEnd().split("\n").length, 1);
    const removed = await cli.run(["instance", "remove", "second"]);
    assert.equal(removed.code, 0, removed.stderr);
  });

  test("--instance also picks among integrations that share a command (msgraph-mail-auth-reset)", async () => {
    const single = await cli.run([
      "instance",
      "add",
      "mail-single",
      "--integration",
      "microsoft-graph-mail-single-user",
      "--param",
      "use_managed_identities=true",
    ]);
    assert.equal(single.code, 0, single.stderr);
    const outlook = await cli.run(
      [
        "instance",
        "add",
        "mail-outlook",
        "--integration",
        "o365-outlook-mail",
        "--param",
        "use_managed_identities=true",
      ],
      { env: APP_SECRET_ENV },
    );
    assert.equal(outlook.code, 0, outlook.stderr);
    try {
      const ambiguous = await cli.run(["warroom"], { stdin: script("!msgraph-mail-auth-reset") });
      assert.equal(ambiguous.code, EXIT_CODES.usage);
      // The second integration with that command (seed order) is the case a first-match lookup missed.
      const picked = await cli.run(["warroom", "--instance", "mail-outlook"], {
        stdin: script("!msgraph-mail-auth-reset"),
      });
      assert.equal(picked.stderr, "");
      assert.equal(picked.code, 0);
      assert.match(picked.stdout, /reset successfully/);
    } finally {
      for (const name of ["mail-single", "mail-outlook"]) await cli.run(["instance", "remove", name]);
    }
  });
});

interface Terminal {
  status: number;
  transcript: string;
  done: number;
}

/** Runs `entrakit warroom` in a pseudo-terminal, typing each step's text once its cue has shown. */
async function terminal(steps: [waitFor: string, send: string][], args: string[] = []): Promise<Terminal> {
  const { stdout } = await promisify(execFile)(
    "python3",
    [PTY, "--steps", JSON.stringify(steps), "--", process.execPath, MAIN, "warroom", ...args],
    { env: { ...process.env, ...cli.env, COLUMNS: "400", TERM: "xterm" } },
  );
  const result = JSON.parse(stdout) as Terminal;
  assert.equal(result.done, steps.length, `stopped after ${result.done} steps:\n${result.transcript}`);
  return result;
}

const PROMPT = "entrakit> ";

/** What the terminal shows, without carriage returns and cursor-movement sequences. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the escape sequences are what is removed
const plain = (transcript: string) => transcript.replaceAll("\r", "").replace(/\x1b\[[0-9;]*[A-Za-z]/g, "");
const TAB = "\t";
const ENTER = "\r";
const CTRL_C = "\u0003";
const CTRL_D = "\u0004";
const UP = "\u001b[A";

describe("warroom on a terminal", () => {
  test("prompt, tab completion of a command and an argument, !help, Ctrl-C, Ctrl-D exits 0", async () => {
    const session = await terminal([
      [PROMPT, `!help${ENTER}`],
      [PROMPT, `!azure-risky-users-li${TAB}`],
      ["!azure-risky-users-list", ` lim${TAB}`],
      ["limit=", `1${ENTER}`],
      [PROMPT, `!azure-risky-users-confirm-safe user_ids=x${CTRL_C}`],
      ["^C", `!azure-risky-users-list client_secret=not-for-history${ENTER}`],
      ["Unknown argument", ""],
      [PROMPT, CTRL_D],
    ]);
    assert.equal(session.status, 0, session.transcript);
    const text = plain(session.transcript);
    assert.match(text, /^entrakit War Room: !help lists the commands/);
    assert.match(text, /Azure Risky Users commands/);
    assert.match(text, /!azure-risky-users-auth-test +Tests the connectivity to Azure\./);
    assert.match(text, /War Room built-ins/);
    // Tab completed both words: the line that ran is in the history file, and its table has one row.
    assert.match(
      text,
      /Risky Users List:\nId {2,}User Display Name.*\n-+ .*\n[0-9a-f-]{36} .*\n\n?entrakit> /,
    );
    assert.equal(text.includes("confirm-safe user_ids=x^C"), true, "Ctrl-C showed ^C");
    const errors = text.split("\n").filter((line) => line.startsWith("entrakit: "));
    assert.equal(errors.length, 1, "the line cleared by Ctrl-C never ran");
    assert.match(text, /entrakit: Unknown argument "client_secret" for !azure-risky-users-list\./);

    const file = join(cli.dir, "warroom_history");
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(readFileSync(file, "utf8"), "!help\n!azure-risky-users-list limit=1\n");
  });

  test("history is loaded by the next session: up-arrow brings back the last line", async () => {
    const session = await terminal([
      [PROMPT, UP],
      ["!azure-risky-users-list limit=1", ENTER],
      ["Risky Users List:", ""],
      [PROMPT, `!exit${ENTER}`],
    ]);
    assert.equal(session.status, 0, session.transcript);
    assert.match(plain(session.transcript), /Risky Users List:\nId {2,}/);
  });

  test("--instance shows in the prompt and names the instance for !context and Tab after using=", async () => {
    const session = await terminal(
      [
        ["entrakit(risky)> ", `!context AzureRiskyUsers.RiskyUser.id${ENTER}`],
        ["]", `!azure-risky-users-auth-test using=ri${TAB}`],
        ["using=risky", ENTER],
        ["Success!", CTRL_D],
      ],
      ["--instance", "risky"],
    );
    assert.equal(session.status, 0, session.transcript);
    assert.match(plain(session.transcript), /^\[\n {2}"[0-9a-f-]{36}"/m, "the ids the earlier list merged");
  });
});
