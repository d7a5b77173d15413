/**
 * The published package: `npm pack` (whose `prepack` runs `npm run build`) gives a tarball that installs
 * into an empty folder and runs there, where Node does not strip TypeScript types: the `entrakit` binary runs
 * the CLI bundle (dist/bin, built with scripts/undici-lite.cjs and without undici's HTTP/2 client) against
 * the emulator, and the library's `exports` resolve to dist/ with type declarations beside them. Needs the
 * npm registry, as `npm ci` does.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import { type RunningEmulator, startEmulator } from "../../src/emulator/server.ts";
import { DEV_APP, DEV_TENANT } from "../../src/emulator/well-known.ts";
import { APP_SECRET_ENV, emulatorInstanceArgs } from "../cli/cli-helpers.ts";

const run = promisify(execFile);
const ROOT = new URL("../..", import.meta.url).pathname;
const NPM = process.platform === "win32" ? "npm.cmd" : "npm";

let dir: string;
let app: string;
let emu: RunningEmulator;
const MASTER_KEY = randomBytes(32).toString("base64");

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "entrakit-pack-"));
  app = join(dir, "app");
  emu = await startEmulator({});
  await run(NPM, ["pack", "--pack-destination", dir], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 });
  const tarball = readdirSync(dir).find((name) => name.endsWith(".tgz"));
  assert.ok(tarball, "npm pack wrote no tarball");
  await run("mkdir", [app]);
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "app", private: true, type: "module" }));
  await run(NPM, ["install", join(dir, tarball), "--no-audit", "--no-fund"], {
    cwd: app,
    maxBuffer: 64 * 1024 * 1024,
  });
});
after(async () => {
  await emu?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The installed binary, run by this Node (24) with a sandboxed home and store. */
function entrakit(args: string[], env: Readonly<Record<string, string>> = {}) {
  return run(process.execPath, [join(app, "node_modules/entrakit/bin/entrakit.js"), ...args], {
    cwd: app,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: dir,
      ENTRAKIT_HOME: dir,
      ENTRAKIT_STORE: `sqlite:${join(dir, "store.db")}`,
      ENTRAKIT_MASTER_KEY: MASTER_KEY,
      ...env,
    },
  });
}

test("the tarball holds the build, not the sources or the tests", () => {
  const installed = join(app, "node_modules/entrakit");
  for (const file of [
    "bin/entrakit.js",
    "dist/bin/main.js",
    "dist/bin/run.js",
    "dist/index.js",
    "dist/index.d.ts",
  ]) {
    assert.ok(existsSync(join(installed, file)), file);
  }
  assert.equal(existsSync(join(installed, "src")), false);
  assert.equal(existsSync(join(installed, "test")), false);
});

test("the installed CLI lists the 37 integrations and runs a command against the emulator", async () => {
  const listed = await entrakit(["integrations", "--output", "json"]);
  assert.equal((JSON.parse(listed.stdout) as { rows: unknown[] }).rows.length, 37);

  await entrakit(emulatorInstanceArgs("risky", emu.url), APP_SECRET_ENV);
  const tested = await entrakit(["run", "!azure-risky-users-auth-test"]);
  assert.equal(tested.stdout, "Success!\n");
  const listedUsers = await entrakit(["run", "!azure-risky-users-list limit=3", "--output", "json"]);
  const [entry] = JSON.parse(listedUsers.stdout) as { outputs: { data: unknown[] } }[];
  assert.equal(entry!.outputs.data.length, 3);
});

test("the library resolves through the package's exports and gets a token from the emulator", async () => {
  const script = [
    'import { ClientSecretCredential } from "entrakit";',
    "const credential = new ClientSecretCredential({",
    `  tenantId: ${JSON.stringify(DEV_TENANT.id)}, clientId: ${JSON.stringify(DEV_APP.clientId)},`,
    `  clientSecret: process.env.APP_SECRET, authorityHost: ${JSON.stringify(emu.url)},`,
    "});",
    'const token = await credential.getToken({ scopes: ["https://graph.microsoft.com/.default"] });',
    'process.stdout.write(token.token.split(".").length === 3 ? "jwt" : "not a jwt");',
  ].join("\n");
  writeFileSync(join(app, "library.mjs"), script);
  const out = await run(process.execPath, ["library.mjs"], {
    cwd: app,
    env: { PATH: process.env.PATH ?? "", APP_SECRET: DEV_APP.secret },
  });
  assert.equal(out.stdout, "jwt");
});
