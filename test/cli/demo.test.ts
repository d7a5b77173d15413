/**
 * `entrakit demo` and `npm start` through the real binary: exit 0, every narrated step and its line in
 * order, values handed from one step to the next as a person would copy them, a device code in Entra's
 * format approved on the emulator's page, nothing written under HOME, no secret in the output; Ctrl+C
 * and a broken pipe still remove what the demo started. A step that fails stops the demo naming it.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { runDemo } from "../../src/demo/runner.ts";
import { DEMO_SCRIPT } from "../../src/demo/script.ts";
import { startDemoWorld } from "../../src/demo/world.ts";
import { DEV_ADMIN, DEV_APP } from "../../src/emulator/well-known.ts";
import { EntrakitError, EXIT_CODES } from "../../src/errors.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const MAIN = join(ROOT, "src/cli/main.ts");
const homes: string[] = [];

after(() => {
  for (const home of homes) rmSync(home, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  home: string;
}

/** A clean environment whose HOME is an empty folder of its own: anything the demo wrote there shows. */
function sandboxEnv(): { home: string; env: Record<string, string> } {
  const home = mkdtempSync(join(tmpdir(), "entrakit-demo-home-"));
  homes.push(home);
  return { home, env: { PATH: process.env.PATH ?? "", HOME: home, NO_COLOR: "1" } };
}

function spawnDemo(
  command: string,
  args: string[],
  options: { env?: Record<string, string>; onStdout?: (text: string, child: ChildProcess) => void } = {},
): Promise<Run> {
  const { home, env } = sandboxEnv();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: ROOT,
      env: { ...env, ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
      options.onStdout?.(stdout, child);
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr, home }));
  });
}

/** Every file and folder under a directory (HOME must stay empty). */
function contents(dir: string): string[] {
  return readdirSync(dir, { recursive: true }).map(String);
}

const UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";

/** The line each step types, as the issue lists them; `<...>` parts come from earlier results. */
const EXPECTED_LINES = [
  "!azure-risky-users-auth-test using=risky-app",
  "!azure-risky-users-list limit=10 using=risky-app",
  "!azure-risky-users-list page_size=2 using=risky-app",
  /^!azure-risky-users-list page_size=2 next_token="(http:\/\/127\.0\.0\.1:\d+\/v1\.0\/identityProtection\/riskyUsers\?[^"]+)" using=risky-app$/,
  new RegExp(`^!azure-risky-user-get id=(${UUID}) using=risky-app$`),
  "!azure-risky-users-risk-detections-list risk_level=high limit=20 using=risky-app",
  "!azure-risky-users-auth-test using=risky-device",
  "!azure-risky-users-auth-start using=risky-device",
  undefined, // the browser step
  "!azure-risky-users-auth-complete using=risky-device",
  new RegExp(`^!azure-risky-users-confirm-compromise user_ids=(${UUID}(?:,${UUID})*) using=risky-device$`),
  new RegExp(`^!azure-risky-user-history-list id=(${UUID}) using=risky-device$`),
  "!azure-risky-users-auth-reset using=risky-device",
  "!azure-risky-users-auth-test using=risky-device",
] as const;

/** Splits the narration into steps: header sentence, typed line, and what followed. */
function steps(stdout: string): { header: string; line: string | undefined; body: string }[] {
  const parts = stdout.split(/^(?=Step \d+\/\d+ {2})/m).slice(1);
  return parts.map((part) => {
    const [header, second, ...rest] = part.split("\n");
    const typed = second?.startsWith("warroom> ") ? second.slice("warroom> ".length) : undefined;
    return { header: header!, line: typed, body: (typed ? rest : [second, ...rest]).join("\n") };
  });
}

test("entrakit demo: every step in order, values carried from step to step, exit 0, HOME untouched", async () => {
  const run = await spawnDemo(process.execPath, [MAIN, "demo"]);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stderr, "");
  assert.match(
    run.stdout,
    /^Emulator {3}http:\/\/127\.0\.0\.1:\d+ \(tenant contoso\.onmicrosoft\.com: 1,000 risky users/m,
  );
  assert.match(run.stdout, /^Instances {2}risky-app .*\n {11}risky-device /m);

  const shown = steps(run.stdout);
  assert.equal(shown.length, DEMO_SCRIPT.length);
  assert.equal(shown.length, EXPECTED_LINES.length);
  const captured: string[][] = [];
  shown.forEach((step, index) => {
    assert.equal(step.header, `Step ${index + 1}/${DEMO_SCRIPT.length}  ${DEMO_SCRIPT[index]!.narration}`);
    const expected = EXPECTED_LINES[index];
    if (expected === undefined) {
      assert.equal(step.line, undefined, `step ${index + 1} types no line`);
      captured.push([]);
    } else if (typeof expected === "string") {
      assert.equal(step.line, expected);
      captured.push([]);
    } else {
      const match = expected.exec(step.line ?? "");
      assert.ok(match, `step ${index + 1}: ${step.line}`);
      captured.push(match.slice(1));
    }
  });

  // The first list's rows, in markdown (stdout is not a terminal): id and risk state per user.
  const listed = [
    ...shown[1]!.body.matchAll(new RegExp(`^\\| (${UUID}) \\|.*\\| (\\w+) \\| \\w+ \\| [^|]+ \\|$`, "gm")),
  ];
  assert.equal(listed.length, 10);
  // Page two's next_token is the one page one printed; get reads the first listed user.
  assert.ok(shown[2]!.body.includes(`| ${captured[3]![0]} |`));
  assert.equal(captured[4]![0], listed[0]![1]);
  assert.match(shown[4]!.body, new RegExp(`Found Risky User With ID: ${captured[4]![0]}`));
  // The detections table is cut to ten rows in the narration.
  assert.match(shown[5]!.body, /^… and 10 more rows \(20 in all\)\.$/m);
  // Refusals show the reference's text as the CLI prints errors.
  for (const index of [6, 13]) {
    assert.match(
      shown[index]!.body,
      /^entrakit: When using device code flow configuration, please enable the integration/,
    );
  }

  // The device code shown is Entra's format, and it is the code entered on the devicelogin page.
  const code = /enter the code \*\*([^*]+)\*\*/.exec(shown[7]!.body)?.[1];
  assert.ok(code, shown[7]!.body);
  assert.match(code, /^[A-Z2-9]{9}$/);
  assert.match(shown[8]!.body, /^browser> http:\/\/127\.0\.0\.1:\d+\/devicelogin$/m);
  assert.ok(shown[8]!.body.includes(`entered the code ${code} → the sign-in form`));
  assert.ok(shown[8]!.body.includes(`signed in as ${DEV_ADMIN.userPrincipalName}`));
  assert.match(shown[9]!.body, /^Authorization completed successfully/);

  // Confirmed users are at-risk users of the first list; history shows the confirmation on the first.
  const confirmed = captured[10]![0]!.split(",");
  const atRisk = listed.filter((row) => row[2] === "atRisk").map((row) => row[1]);
  for (const id of confirmed) assert.ok(atRisk.includes(id), `${id} was listed as atRisk`);
  assert.match(
    shown[10]!.body,
    new RegExp(`Confirmed as compromised \\(${confirmed.length} users?\\): ${confirmed.join(", ")}\\.`),
  );
  assert.equal(captured[11]![0], confirmed[0]);
  assert.match(shown[11]!.body, /\| high \| confirmedCompromised \| adminConfirmedUserCompromised \|/);
  assert.match(run.stdout, /^Done: all 14 steps did what they should/m);

  assert.deepEqual(contents(run.home), []);
  for (const secret of [DEV_APP.secret, DEV_ADMIN.password]) {
    assert.equal(run.stdout.includes(secret) || run.stderr.includes(secret), false);
  }
});

test("npm start runs the demo", async () => {
  // npm keeps its own logs and cache: give it a folder of its own, apart from HOME.
  const npmCache = mkdtempSync(join(tmpdir(), "entrakit-demo-npm-"));
  homes.push(npmCache);
  const run = await spawnDemo("npm", ["start", "--silent"], { env: { npm_config_cache: npmCache } });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^Step 1\/14 {2}/m);
  assert.match(run.stdout, /^Done: all 14 steps did what they should/m);
});

test("--tls: Ctrl+C mid-demo stops it with 130 and removes the emulator's temporary CA", async () => {
  let sent = false;
  const run = await spawnDemo(process.execPath, [MAIN, "demo", "--tls", "--pause", "60000"], {
    onStdout: (text, child) => {
      if (!sent && text.includes("\nSuccess!\n\n")) {
        sent = true;
        child.kill("SIGINT");
      }
    },
  });
  assert.equal(run.code, 130, run.stderr);
  const ca = /^TLS {8}its CA certificate (\S+) is trusted/m.exec(run.stdout)?.[1];
  assert.ok(ca, run.stdout);
  assert.match(run.stdout, /^Emulator {3}https:\/\/127\.0\.0\.1:\d+ /m);
  assert.match(run.stdout, /^Success!$/m);
  assert.equal(run.stdout.includes("Step 2/14"), false);
  assert.equal(existsSync(ca), false);
  assert.deepEqual(contents(run.home), []);
});

test("--tls | head: a reader that goes away ends the demo with 141 and removes the temporary CA", async () => {
  let closed = false;
  // The pause keeps the demo from finishing before the reader has gone; the next write then fails.
  const run = await spawnDemo(process.execPath, [MAIN, "demo", "--tls", "--pause", "1000"], {
    onStdout: (_text, child) => {
      if (closed) return;
      closed = true;
      child.stdout?.destroy();
    },
  });
  assert.equal(run.code, 141, run.stderr);
  assert.equal(run.stderr, "");
  const ca = /^TLS {8}its CA certificate (\S+) is trusted/m.exec(run.stdout)?.[1];
  assert.ok(ca, run.stdout);
  assert.equal(existsSync(ca), false);
});

test("a step that does not do what it should stops the demo with an error naming it", async () => {
  const world = await startDemoWorld();
  let text = "";
  try {
    // The emulator's fault injection: Graph refuses the write the way it does without the permission.
    world.emulator.admin.addFault({
      method: "POST",
      path: "/v1.0/identityProtection/riskyUsers/confirmCompromised",
      status: 403,
      body: { error: { code: "Authorization_RequestDenied", message: "Insufficient privileges." } },
    });
    const failure = await runDemo(world, {
      write: (chunk) => {
        text += chunk;
      },
      terminal: false,
      color: false,
      pauseMs: 0,
    }).then(
      () => undefined,
      (error: unknown) => error,
    );
    assert.ok(failure instanceof EntrakitError, String(failure));
    assert.equal(failure.code, "permission_denied");
    assert.equal(failure.exitCode, EXIT_CODES.permission_denied);
    assert.match(
      failure.message,
      /^Demo step 11\/14 \(!azure-risky-users-confirm-compromise user_ids=\S+ using=risky-device\) failed: /,
    );
    assert.ok(text.includes("Step 11/14"));
    assert.equal(text.includes("Step 12/14"), false);
    assert.equal(text.includes("Done:"), false);
  } finally {
    await world.close();
  }
});
