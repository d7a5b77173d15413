/**
 * Two `entrakit proxy` processes sharing one Redis serve the same registration, refuse a ciphertext the
 * other already accepted, and both refuse a registration the moment `entrakit proxy registrations revoke`
 * (a third process) revokes it. Redis: REDIS_URL (under a unique key prefix) or a redis-server child;
 * skipped without either, failing instead under CI=true.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { Redis } from "ioredis";
import { type RunningEmulator, startEmulator } from "../../src/emulator/server.ts";
import { DEV_TENANT } from "../../src/emulator/well-known.ts";
import { Registrations } from "../../src/proxy/registrations.ts";
import { openStore } from "../../src/store/index.ts";
import { type RedisChild, redisUnavailableReason, startRedisChild } from "../store/helpers/redis.ts";
import { APPLICATION_APP, GRAPH, READ_RISKY_USERS, vendorDirectory } from "./support.ts";
import { encryptToken, obtainTokenOverWire, postObtainToken } from "./webcrypto-client.ts";

const CLI = join(import.meta.dirname, "../../src/cli/main.ts");
const skip = redisUnavailableReason();

let redis: RedisChild | undefined;
let redisUrl = "";
let prefix = "";
let emulator: RunningEmulator;
let dir = "";
let env: Record<string, string | undefined> = {};
const children: ChildProcess[] = [];

/** Starts `entrakit proxy` and resolves to the URL it prints once listening. */
function startReplica(config: string): Promise<string> {
  const child = spawn(process.execPath, [CLI, "proxy", "--config", config], {
    env,
    stdio: ["ignore", "ignore", "pipe"],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let output = "";
    child.stderr!.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) resolve(match[1]!);
    });
    child.once("exit", (code) => reject(new Error(`proxy exited ${code}: ${output}`)));
  });
}

function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.once("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

before(async () => {
  if (skip) return;
  if (process.env.REDIS_URL) {
    redisUrl = process.env.REDIS_URL;
  } else {
    redis = await startRedisChild();
    redisUrl = redis.url;
  }
  prefix = `entrakit-proxy-test-${randomBytes(6).toString("hex")}:`;
  dir = mkdtempSync(join(tmpdir(), "entrakit-proxy-replicas-"));
  emulator = await startEmulator({ config: { graph: { seed: 3, riskyUsers: 5, detections: 1 } } });
  emulator.admin.seed(vendorDirectory("http://proxy.invalid"));
  emulator.admin.seed({
    consents: [
      {
        tenant: DEV_TENANT.id,
        clientId: APPLICATION_APP.clientId,
        resource: GRAPH,
        applicationPermissions: [READ_RISKY_USERS],
      },
    ],
  });
  env = {
    PATH: process.env.PATH,
    HOME: dir,
    ENTRAKIT_HOME: dir,
    ENTRAKIT_MASTER_KEY: randomBytes(32).toString("base64"),
    VENDOR_SECRET: APPLICATION_APP.secret,
  };
});

after(async () => {
  for (const child of children) child.kill("SIGTERM");
  await Promise.all(
    children.map((c) => (c.exitCode === null ? new Promise((r) => c.once("exit", r)) : undefined)),
  );
  if (skip) return;
  await emulator?.close();
  if (redisUrl) {
    const client = new Redis(redisUrl);
    const keys = await client.keys(`${prefix}*`);
    if (keys.length) await client.del(...keys);
    client.disconnect();
  }
  await redis?.kill();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test("two proxy replicas on one Redis share registrations, replay memory and revocation", {
  skip,
}, async () => {
  const storeUrl = `${redisUrl}${redisUrl.includes("?") ? "&" : "?"}prefix=${prefix}`;
  const config = join(dir, "proxy.yaml");
  writeFileSync(
    config,
    [
      "public_url: https://proxy.example.test",
      `store: "${storeUrl}"`,
      `audit_log: ${join(dir, "audit.jsonl")}`,
      "listen: { host: 127.0.0.1, port: 0 }",
      "apps:",
      `  - app_name: ${APPLICATION_APP.name}`,
      `    client_id: ${APPLICATION_APP.clientId}`,
      "    kind: application",
      "    credential: { secret: { env: VENDOR_SECRET } }",
      `    endpoints: { login: "${emulator.url}" }`,
      `    resource: ${GRAPH}`,
      "    display_name: Northwind Risky Users",
      "",
    ].join("\n"),
  );
  const [a, b] = await Promise.all([startReplica(config), startReplica(config)]);

  const store = await openStore({ url: storeUrl, env });
  let created: Awaited<ReturnType<Registrations["create"]>>;
  try {
    created = await new Registrations(store).create({
      appName: APPLICATION_APP.name,
      kind: "application",
      tenantId: DEV_TENANT.id,
    });
  } finally {
    await store.close();
  }
  const via = (url: string) =>
    obtainTokenOverWire({
      id: `${created.registration.id}@${url}/obtain-token`,
      key: created.key,
      appName: APPLICATION_APP.name,
      content: DEV_TENANT.id,
    });
  assert.equal((await via(a)).status, 200);
  assert.equal((await via(b)).status, 200);

  const encrypted = await encryptToken(created.key, DEV_TENANT.id, Math.floor(Date.now() / 1000));
  const body = {
    app_name: APPLICATION_APP.name,
    registration_id: created.registration.id,
    encrypted_token: encrypted,
    scope: null,
    resource: "",
  };
  assert.equal((await postObtainToken(`${a}/obtain-token`, body)).status, 200);
  assert.equal(
    (await postObtainToken(`${b}/obtain-token`, body)).status,
    401,
    "replica B remembers what A accepted",
  );

  const listed = await runCli(["proxy", "registrations", "list", "--config", config]);
  assert.equal(listed.code, 0, listed.stderr);
  assert.match(
    listed.stdout,
    new RegExp(`${created.registration.id}\\s+${APPLICATION_APP.name}\\s+application\\s+${DEV_TENANT.id}`),
  );
  assert.ok(!listed.stdout.includes(created.key));

  const revoked = await runCli([
    "proxy",
    "registrations",
    "revoke",
    created.registration.id,
    "--config",
    config,
  ]);
  assert.equal(revoked.code, 0, revoked.stderr);
  assert.match(revoked.stdout, /^Revoked /);
  for (const url of [a, b]) {
    const response = await via(url);
    assert.equal(response.status, 401);
    assert.equal(response.body.title, "invalid_registration");
  }
  const shown = await runCli([
    "proxy",
    "registrations",
    "show",
    created.registration.id,
    "--config",
    config,
    "--json",
  ]);
  assert.equal(shown.code, 0, shown.stderr);
  assert.ok((JSON.parse(shown.stdout) as { revokedAt?: string }).revokedAt);
});
