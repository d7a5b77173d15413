/**
 * OAuth proxy load: 2,000 `POST /obtain-token` requests from 50 concurrent clients over loopback, each
 * client with its own registration and every request freshly encrypted (as the reference module does).
 * The emulator (the "Entra" the proxy calls for client credentials) and the proxy run in two child
 * processes, so neither shares a thread with the load generator. The proxy keeps its registrations and
 * replay memory in a real SQLite store. Reports latency percentiles and every non-200 status; anything but
 * a configured 429 counts as an error.
 *
 *   npx node bench/proxy.ts [-- --requests 2000 --clients 50 --store sqlite|redis://... --limit 30]
 *
 * `--limit N` sets the per-registration rate (requests per minute), so some requests get the configured
 * 429; those are reported apart and are not errors.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { Pool } from "undici";
import { percentile } from "./lib/report.ts";

const SERVE_EMULATOR = "--serve-emulator";
const SERVE_PROXY = "--serve-proxy";
const VENDOR_TENANT = "1d4c7b2e-8f3a-4e69-a5c1-9b2d6e0f4a73";
const APP_ID = "6b3e9d1a-2c4f-4a87-9e5b-0d7c1f8a3b62";
const APP_SECRET = "bench-vendor-secret";
const APP_NAME = "bench-app";
const GRAPH = "https://graph.microsoft.com";

if (process.argv.includes(SERVE_EMULATOR)) {
  const { startEmulator } = await import("../src/emulator/server.ts");
  const { DEV_TENANT } = await import("../src/emulator/well-known.ts");
  const emulator = await startEmulator({
    config: {
      graph: { riskyUsers: 1, detections: 0 },
      tenants: [{ id: VENDOR_TENANT, domain: "vendor.onmicrosoft.com" }],
      apps: [
        {
          clientId: APP_ID,
          displayName: "bench vendor app",
          homeTenant: VENDOR_TENANT,
          secrets: [{ value: APP_SECRET }],
          multiTenant: true,
          applicationPermissions: [{ resource: GRAPH, value: "IdentityRiskyUser.Read.All" }],
        },
      ],
      consents: [
        {
          tenant: DEV_TENANT.id,
          clientId: APP_ID,
          resource: GRAPH,
          applicationPermissions: ["IdentityRiskyUser.Read.All"],
        },
      ],
      requestLogCapacity: 10,
    },
  });
  serveUntilTerminated(emulator.url, () => emulator.close());
} else if (process.argv.includes(SERVE_PROXY)) {
  const { startProxy } = await import("../src/proxy/server.ts");
  const proxy = await startProxy({ config: process.argv[process.argv.indexOf(SERVE_PROXY) + 1]! });
  serveUntilTerminated(proxy.url, () => proxy.close());
} else {
  await runBenchmark();
}

function serveUntilTerminated(url: string, close: () => Promise<void>): void {
  process.stdout.write(`${JSON.stringify({ url })}\n`);
  process.on("SIGTERM", () => {
    void close().then(() => process.exit(0));
  });
}

async function child(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ url: string; stop: () => Promise<void> }> {
  const proc = spawn(process.execPath, [import.meta.filename, ...args], {
    env,
    stdio: ["ignore", "pipe", "inherit"],
  });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: proc.stdout! }).once("line", resolve);
    proc.once("exit", (code) => reject(new Error(`${args[0]} exited with ${code}`)));
  });
  return {
    url: (JSON.parse(line) as { url: string }).url,
    stop: () =>
      new Promise((resolve) => {
        proc.once("exit", () => resolve());
        proc.kill("SIGTERM");
      }),
  };
}

async function runBenchmark(): Promise<void> {
  const { values } = parseArgs({
    options: {
      requests: { type: "string", default: "2000" },
      clients: { type: "string", default: "50" },
      store: { type: "string", default: "sqlite" },
      /** Per-registration requests per minute; default: enough for every request (no 429s). */
      limit: { type: "string" },
    },
  });
  const total = Number(values.requests);
  const clients = Number(values.clients);
  const { encryptProxyToken } = await import("../src/protocol/oauth-proxy.ts");
  const { openStore } = await import("../src/store/index.ts");
  const { Registrations } = await import("../src/proxy/registrations.ts");
  const { DEV_TENANT } = await import("../src/emulator/well-known.ts");

  const dir = mkdtempSync(join(tmpdir(), "entrakit-bench-proxy-"));
  const storeUrl = values.store === "sqlite" ? `sqlite:${join(dir, "proxy.db")}` : values.store!;
  const env = {
    ...process.env,
    ENTRAKIT_HOME: dir,
    ENTRAKIT_MASTER_KEY: randomBytes(32).toString("base64"),
    VENDOR_SECRET: APP_SECRET,
  };
  const emulator = await child([SERVE_EMULATOR], env);
  const perRegistration = values.limit ? Number(values.limit) : Math.ceil(total / clients) + 10;
  const config = join(dir, "proxy.yaml");
  writeFileSync(
    config,
    [
      "public_url: https://proxy.bench.invalid",
      `store: "${storeUrl}"`,
      `audit_log: ${join(dir, "audit.jsonl")}`,
      "listen: { host: 127.0.0.1, port: 0 }",
      "rate_limits:",
      `  per_registration: { requests: ${perRegistration}, per_seconds: 60 }`,
      `  per_address: { requests: ${total * 2}, per_seconds: 60 }`,
      "apps:",
      `  - app_name: ${APP_NAME}`,
      `    client_id: ${APP_ID}`,
      "    kind: application",
      "    credential: { secret: { env: VENDOR_SECRET } }",
      `    endpoints: { login: "${emulator.url}" }`,
      "    display_name: Bench",
      "",
    ].join("\n"),
  );
  const proxy = await child([SERVE_PROXY, config], env);

  const store = await openStore({ url: storeUrl, env });
  const registrations = new Registrations(store);
  const keys: Array<{ id: string; key: Buffer }> = [];
  for (let i = 0; i < clients; i++) {
    const created = await registrations.create({
      appName: APP_NAME,
      kind: "application",
      tenantId: DEV_TENANT.id,
    });
    keys.push({ id: created.registration.id, key: Buffer.from(created.key, "base64") });
  }
  await store.close();

  const pool = new Pool(proxy.url, { connections: clients, pipelining: 1 });
  const call = async (client: number) => {
    const { id, key } = keys[client]!;
    const body = JSON.stringify({
      app_name: APP_NAME,
      registration_id: id,
      encrypted_token: encryptProxyToken(key, DEV_TENANT.id, Math.floor(Date.now() / 1000)),
      scope: null,
      resource: "",
    });
    const started = performance.now();
    const response = await pool.request({
      method: "POST",
      path: "/obtain-token",
      headers: { "content-type": "application/json" },
      body,
    });
    const text = await response.body.text();
    const ms = performance.now() - started;
    if (response.statusCode === 200 && !(JSON.parse(text) as { access_token?: string }).access_token)
      throw new Error("200 without a token");
    return { status: response.statusCode, ms };
  };
  // Warm-up: connections and JIT, not counted.
  await Promise.all(keys.map((_, i) => call(i)));

  const latencies: number[] = [];
  const statuses = new Map<number, number>();
  let next = 0;
  const wallStart = performance.now();
  await Promise.all(
    keys.map(async (_, client) => {
      while (next < total) {
        next++;
        const { status, ms } = await call(client);
        latencies.push(ms);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }
    }),
  );
  const wallMs = performance.now() - wallStart;
  await pool.close();
  await proxy.stop();
  await emulator.stop();
  if (values.store !== "sqlite") {
    // A shared Redis keeps nothing of the run (registrations, replay memory).
    const { PROXY_NAMESPACE } = await import("../src/proxy/registrations.ts");
    const cleanup = await openStore({ url: storeUrl, env });
    await cleanup.clear(PROXY_NAMESPACE);
    await cleanup.close();
  }
  rmSync(dir, { recursive: true, force: true });

  latencies.sort((a, b) => a - b);
  const rateLimited = statuses.get(429) ?? 0;
  const errors = [...statuses].filter(([s]) => s !== 200 && s !== 429).reduce((n, [, c]) => n + c, 0);
  const result = {
    benchmark: "proxy-obtain-token",
    requests: latencies.length,
    clients,
    store: values.store === "sqlite" ? "sqlite" : "redis",
    perRegistrationLimit: perRegistration,
    wallMs: Math.round(wallMs),
    requestsPerSecond: Math.round((latencies.length / wallMs) * 1000),
    p50Ms: Number(percentile(latencies, 0.5).toFixed(1)),
    p90Ms: Number(percentile(latencies, 0.9).toFixed(1)),
    p99Ms: Number(percentile(latencies, 0.99).toFixed(1)),
    maxMs: Number(latencies.at(-1)!.toFixed(1)),
    statuses: Object.fromEntries(statuses),
    rateLimited,
    errors,
    cpus: cpus().length,
    node: process.version,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.stdout.write(
    `${result.requests} obtain-token requests, ${clients} clients, ${result.store} store: ${result.requestsPerSecond} req/s, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms, max ${result.maxMs} ms; ${errors} errors, ${rateLimited} rate-limited\n`,
  );
  if (errors > 0) process.exitCode = 1;
}
