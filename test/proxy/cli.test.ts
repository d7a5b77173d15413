/**
 * The real `entrakit proxy` binary: usage and config errors with their exit codes, a run that serves
 * /healthz and stops cleanly on SIGTERM, and the registration commands on a SQLite store (rotate-key
 * prints the new key once; nothing else prints a key).
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { Registrations } from "../../src/proxy/registrations.ts";
import { openStore } from "../../src/store/index.ts";
import { APPLICATION_APP } from "./support.ts";

const CLI = join(import.meta.dirname, "../../src/cli/main.ts");
let dir = "";
let env: Record<string, string | undefined> = {};
let config = "";

function run(
  args: string[],
  childEnv: Record<string, string | undefined> = env,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: childEnv,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.once("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), "entrakit-proxy-cli-"));
  env = {
    PATH: process.env.PATH,
    HOME: dir,
    ENTRAKIT_HOME: dir,
    ENTRAKIT_MASTER_KEY: randomBytes(32).toString("base64"),
    VENDOR_SECRET: "cli-test-secret",
  };
  config = join(dir, "proxy.yaml");
  writeFileSync(
    config,
    [
      "public_url: https://auth.example.test",
      `store: sqlite:${join(dir, "proxy.db")}`,
      `audit_log: ${join(dir, "audit.jsonl")}`,
      "listen: { host: 127.0.0.1, port: 0 }",
      "apps:",
      `  - app_name: ${APPLICATION_APP.name}`,
      `    client_id: ${APPLICATION_APP.clientId}`,
      "    kind: application",
      "    credential: { secret: { env: VENDOR_SECRET } }",
      "    display_name: CLI test app",
      "",
    ].join("\n"),
  );
});
after(() => rmSync(dir, { recursive: true, force: true }));

test("usage and configuration errors: one line, documented exit codes", async () => {
  const missing = await run(["proxy"]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /^entrakit: entrakit proxy needs --config <file>\. .*\n$/);
  writeFileSync(join(dir, "bad.yaml"), "public_url: https://x.example\napps:\n  - app_name: a\n");
  const bad = await run(["proxy", "--config", join(dir, "bad.yaml")]);
  assert.equal(bad.code, 3);
  assert.match(bad.stderr, /^entrakit: Invalid proxy config .*bad\.yaml: apps\.0\.client_id: .*\n$/);
  const noSecret = await run(["proxy", "--config", config], { ...env, VENDOR_SECRET: undefined });
  assert.equal(noSecret.code, 3);
  assert.match(noSecret.stderr, /credential\.secret: the environment variable VENDOR_SECRET is not set\./);
});

test("runs, serves /healthz and the consent page, stops on SIGTERM", async () => {
  const child = spawn(process.execPath, [CLI, "proxy", "--config", config, "--port", "0"], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr.on("data", (c: Buffer) => {
      stderr += c.toString();
      const match = /listening on (http:\/\/\S+)/.exec(stderr);
      if (match) resolve(match[1]!);
    });
    child.once("exit", (code) => reject(new Error(`exited ${code}: ${stderr}`)));
  });
  assert.match(
    stderr,
    new RegExp(`consent: +https://auth\\.example\\.test/consent/${APPLICATION_APP.name} \\(application\\)`),
  );
  assert.doesNotMatch(stderr, /cli-test-secret/);
  assert.equal((await fetch(`${url}/healthz`)).status, 200);
  assert.equal((await fetch(`${url}/consent/${APPLICATION_APP.name}`)).status, 200);
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  assert.equal(await exited, 0);
});

test("registrations: list, show, rotate-key (new key printed once), revoke, unknown id", async () => {
  const store = await openStore({ url: `sqlite:${join(dir, "proxy.db")}`, env });
  let created: Awaited<ReturnType<Registrations["create"]>>;
  try {
    created = await new Registrations(store).create({
      appName: APPLICATION_APP.name,
      kind: "application",
      tenantId: "7c1e3a52-4b8d-4f6e-9a2c-5d0b1e8f3a76",
    });
  } finally {
    await store.close();
  }
  const id = created.registration.id;
  const list = await run(["proxy", "registrations", "list", "--config", config]);
  assert.equal(list.code, 0, list.stderr);
  assert.match(list.stdout, /^ID +APP +KIND +TENANT +CREATED +STATE\n/);
  assert.match(list.stdout, new RegExp(`${id} +${APPLICATION_APP.name} +application .* active\\n`));

  const rotated = await run(["proxy", "registrations", "rotate-key", id, "--config", config]);
  assert.equal(rotated.code, 0, rotated.stderr);
  const newKey = rotated.stdout.split("\n")[1]!;
  assert.equal(Buffer.from(newKey, "base64").length, 32);
  assert.notEqual(newKey, created.key);

  const shown = await run([
    "proxy",
    "registrations",
    "show",
    id,
    "--store",
    `sqlite:${join(dir, "proxy.db")}`,
  ]);
  assert.equal(shown.code, 0, shown.stderr);
  assert.match(shown.stdout, /key rotated: /);
  assert.ok(!shown.stdout.includes(newKey) && !list.stdout.includes(created.key));

  const revoked = await run(["proxy", "registrations", "revoke", id, "--config", config]);
  assert.equal(revoked.code, 0);
  const again = await run(["proxy", "registrations", "rotate-key", id, "--config", config]);
  assert.equal(again.code, 2);
  assert.match(again.stderr, /is revoked/);
  const unknown = await run(["proxy", "registrations", "show", "0".repeat(32), "--config", config]);
  assert.equal(unknown.code, 8);
  assert.match(
    unknown.stderr,
    /^entrakit: No registration 0{32} in this store\. Run `entrakit proxy registrations list`/,
  );
});
