/**
 * Token cache benchmark, side by side with Microsoft's libraries, all against the emulator (HTTPS, in
 * this process; 8-process runs use child processes):
 *
 * 1. warm cache: tokens/s served by entrakit `cachedCredential`, msal-node `acquireTokenByClientCredential`
 *    and @azure/identity `ClientSecretCredential.getToken` (one caller awaiting in a loop);
 * 2. cold cache, 1,000 concurrent callers: token requests each library sends (emulator request log);
 * 3. lookup time with 10, 1,000 and 100,000 cached tokens (msal-node prefilled via deserialize);
 * 4. single flight across 8 processes × 200 callers on SQLite and on Redis: token requests, p50/p99 wait.
 *
 *   npx node bench/token-cache.ts [-- --duration 2 --redis redis://127.0.0.1:6379/0 --write-docs]
 *
 * Prints the markdown table and one JSON line; `--write-docs` replaces the table in docs/benchmarks.md
 * (between the `token-cache:begin/end` markers), so the published figures are regenerated, not typed.
 */
import { spawn } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { createInterface } from "node:readline";
import tls from "node:tls";
import { parseArgs } from "node:util";
import { machine, writeDocsSection } from "./lib/report.ts";

const CHILD_FLAG = "--token-cache-child";
const GRAPH_DEFAULT = "https://graph.microsoft.com/.default";

if (process.argv.includes(CHILD_FLAG)) await child();
else await main();

/** One of the 8 single-flight processes: N callers on a cold cache, wait time of each from "go". */
async function child(): Promise<void> {
  const { CachedCredential } = await import("../src/auth/cache/cached-credential.ts");
  const { ClientSecretCredential } = await import("../src/auth/client-secret.ts");
  const { createAuthHttp } = await import("../src/auth/transport.ts");
  const { DEV_APP, DEV_TENANT } = await import("../src/emulator/well-known.ts");
  const { openStore } = await import("../src/store/index.ts");
  const env = process.env;
  const url = env.EK_EMULATOR_URL!;
  const store = await openStore({ url: env.EK_STORE_URL! });
  const credential = new CachedCredential(
    new ClientSecretCredential({
      authorityHost: url,
      tenantId: DEV_TENANT.id,
      clientId: DEV_APP.clientId,
      clientSecret: DEV_APP.secret,
      http: createAuthHttp({ caCertificates: [readFileSync(env.EK_CA_FILE!, "utf8")] }),
    }),
    {
      store,
      namespace: env.EK_NAMESPACE!,
      keyParts: { authorityHost: url, tenant: DEV_TENANT.id, clientId: DEV_APP.clientId, flow: "cc" },
    },
  );
  process.stdout.write("ready\n");
  for await (const line of createInterface({ input: process.stdin })) if (line === "go") break;
  const start = performance.now();
  const waits = await Promise.all(
    Array.from({ length: Number(env.EK_CALLERS) }, () =>
      credential.getToken({ scopes: [GRAPH_DEFAULT] }).then(() => performance.now() - start),
    ),
  );
  process.stdout.write(`${JSON.stringify({ waits, fetches: credential.cache.stats.fetches })}\n`);
  await store.close();
  process.exit(0);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      duration: { type: "string", default: "2" },
      redis: { type: "string", default: process.env.REDIS_URL ?? "redis://127.0.0.1:6379/0" },
      "write-docs": { type: "boolean", default: false },
    },
  });
  const durationMs = Number(values.duration) * 1000;
  if (!(durationMs > 0)) throw new Error("bench/token-cache: --duration takes seconds (> 0).");

  const { ConfidentialClientApplication } = await import("@azure/msal-node");
  const { ClientSecretCredential: AzureClientSecretCredential } = await import("@azure/identity");
  const { CachedCredential } = await import("../src/auth/cache/cached-credential.ts");
  const { ClientSecretCredential } = await import("../src/auth/client-secret.ts");
  const { createAuthHttp } = await import("../src/auth/transport.ts");
  const { startEmulator } = await import("../src/emulator/server.ts");
  const { DEV_APP, DEV_TENANT } = await import("../src/emulator/well-known.ts");
  const { openStore } = await import("../src/store/index.ts");

  const dir = mkdtempSync(join(tmpdir(), "entrakit-bench-cache-"));
  const emulator = await startEmulator({ port: 0, tls: true, stateDir: dir });
  // msal-node and @azure/identity trust the emulator's CA the way NODE_EXTRA_CA_CERTS would make them.
  tls.setDefaultCACertificates([...tls.getCACertificates("default"), emulator.caCert!]);
  const caFile = join(dir, "ca.pem");
  writeFileSync(caFile, emulator.caCert!);
  const http = createAuthHttp({ caCertificates: [emulator.caCert!] });
  const host = new URL(emulator.url).host;
  const masterKey = randomBytes(32);
  const sqliteUrl = `sqlite:${join(dir, "store.db")}`;
  const store = await openStore({ url: sqliteUrl, env: {}, masterKey });
  const tokenRequests = () => emulator.admin.requests({ path: /\/oauth2\/v2\.0\/token$/ }).length;

  const entrakit = (maxEntries = 10_000, namespace = `bench-${randomUUID()}`) =>
    new CachedCredential(
      new ClientSecretCredential({
        authorityHost: emulator.url,
        tenantId: DEV_TENANT.id,
        clientId: DEV_APP.clientId,
        clientSecret: DEV_APP.secret,
        http,
      }),
      {
        store,
        namespace,
        maxEntries,
        keyParts: {
          authorityHost: emulator.url,
          tenant: DEV_TENANT.id,
          clientId: DEV_APP.clientId,
          flow: "cc",
        },
      },
    );
  const msal = () =>
    new ConfidentialClientApplication({
      auth: {
        clientId: DEV_APP.clientId,
        authority: `${emulator.url}/${DEV_TENANT.id}`,
        clientSecret: DEV_APP.secret,
        knownAuthorities: [host],
      },
    });
  const identity = () =>
    new AzureClientSecretCredential(DEV_TENANT.id, DEV_APP.clientId, DEV_APP.secret, {
      authorityHost: emulator.url,
      disableInstanceDiscovery: true,
    });

  // 1. Warm cache: one caller awaiting each token in a loop.
  async function rate(get: () => Promise<unknown>): Promise<number> {
    await get();
    for (let i = 0; i < 1000; i++) await get(); // JIT warm-up
    let n = 0;
    const start = performance.now();
    while (performance.now() - start < durationMs) {
      for (let i = 0; i < 100; i++) await get();
      n += 100;
    }
    return n / ((performance.now() - start) / 1000);
  }
  const ek = entrakit();
  const ms = msal();
  const az = identity();
  const warm = {
    entrakit: await rate(() => ek.getToken({ scopes: [GRAPH_DEFAULT] })),
    msalNode: await rate(() => ms.acquireTokenByClientCredential({ scopes: [GRAPH_DEFAULT] })),
    azureIdentity: await rate(() => az.getToken(GRAPH_DEFAULT)),
  };

  // 2. Cold cache, 1,000 concurrent callers.
  async function cold(get: () => Promise<unknown>): Promise<number> {
    emulator.admin.clearRequests();
    await Promise.all(Array.from({ length: 1000 }, get));
    return tokenRequests();
  }
  const coldEk = entrakit();
  const coldMs = msal();
  const coldAz = identity();
  const coldRequests = {
    entrakit: await cold(() => coldEk.getToken({ scopes: [GRAPH_DEFAULT] })),
    msalNode: await cold(() => coldMs.acquireTokenByClientCredential({ scopes: [GRAPH_DEFAULT] })),
    azureIdentity: await cold(() => coldAz.getToken(GRAPH_DEFAULT)),
  };

  // 3. Lookup time with N cached tokens (distinct resources), random hits.
  const scopeOf = (i: number) => `https://res${i}.example.com/.default`;
  async function lookup(
    get: (scope: string) => Promise<unknown>,
    n: number,
    budgetMs: number,
  ): Promise<number> {
    let count = 0;
    const start = performance.now();
    while (performance.now() - start < budgetMs && count < 20_000) {
      await get(scopeOf(Math.floor(Math.random() * n)));
      count++;
    }
    return ((performance.now() - start) * 1000) / count; // microseconds per lookup
  }
  const lookups: Array<{ tokens: number; entrakitUs: number; msalNodeUs: number }> = [];
  let storeLookupUs = 0;
  const template = await ms.acquireTokenByClientCredential({ scopes: [GRAPH_DEFAULT] });
  const serialized = JSON.parse(ms.getTokenCache().serialize()) as {
    AccessToken: Record<string, Record<string, string>>;
  };
  const [, realEntry] = Object.entries(serialized.AccessToken)[0]!;
  for (const n of [10, 1_000, 100_000]) {
    // The in-memory bound is sized to hold them all (the default keeps 10,000; beyond it, hits come
    // from the store, measured separately below).
    const namespace = `bench-lookup-${n}`;
    const cred = entrakit(n, namespace);
    const issued = { token: template!.accessToken, expiresOn: Date.now() + 3_600_000 };
    for (let i = 0; i < n; i++) {
      const scopes = [scopeOf(i)];
      await cred.cache.getToken(cred.keyFor({ scopes }), async () => ({ ...issued, scopes }));
    }
    const app = msal();
    const entries: Record<string, Record<string, string>> = {};
    for (let i = 0; i < n; i++) {
      const target = scopeOf(i);
      const key = `-${host}-accesstoken-${DEV_APP.clientId}-${DEV_TENANT.id}-${target}-`.toLowerCase();
      entries[key] = { ...realEntry, target };
    }
    app.getTokenCache().deserialize(JSON.stringify({ ...serialized, AccessToken: entries }));
    const hit = await app.acquireTokenByClientCredential({ scopes: [scopeOf(0)] });
    if (!hit?.fromCache) throw new Error("bench/token-cache: msal-node did not serve the prefilled cache");
    if (n === 100_000) {
      // Same records, default in-memory bound: 90% of random hits read the sealed record from SQLite.
      const bounded = entrakit(10_000, namespace);
      storeLookupUs = await lookup((scope) => bounded.getToken({ scopes: [scope] }), n, 3_000);
    }
    lookups.push({
      tokens: n,
      entrakitUs: await lookup((scope) => cred.getToken({ scopes: [scope] }), n, 2_000),
      msalNodeUs: await lookup((scope) => app.acquireTokenByClientCredential({ scopes: [scope] }), n, 3_000),
    });
  }

  // 4. Single flight across 8 processes × 200 callers, cold cache, SQLite then Redis.
  async function fleet(storeUrl: string): Promise<{ requests: number; p50: number; p99: number }> {
    emulator.admin.clearRequests();
    const namespace = `bench-fleet-${randomUUID()}`;
    const workers = Array.from({ length: 8 }, () =>
      spawn(process.execPath, [import.meta.filename, CHILD_FLAG], {
        env: {
          ...process.env,
          ENTRAKIT_MASTER_KEY: masterKey.toString("base64"),
          EK_STORE_URL: storeUrl,
          EK_NAMESPACE: namespace,
          EK_EMULATOR_URL: emulator.url,
          EK_CA_FILE: caFile,
          EK_CALLERS: "200",
        },
        stdio: ["pipe", "pipe", "inherit"],
      }),
    );
    const outputs = workers.map((w) => {
      const lines = createInterface({ input: w.stdout! });
      const ready = new Promise<void>((resolve) => lines.on("line", (l) => l === "ready" && resolve()));
      const result = new Promise<string>((resolve) =>
        lines.on("line", (l) => l.startsWith("{") && resolve(l)),
      );
      return { ready, result };
    });
    await Promise.all(outputs.map((o) => o.ready));
    for (const w of workers) w.stdin!.write("go\n");
    const results = (await Promise.all(outputs.map((o) => o.result))).map(
      (l) => JSON.parse(l) as { waits: number[]; fetches: number },
    );
    const waits = results.flatMap((r) => r.waits).sort((a, b) => a - b);
    const at = (q: number) => waits[Math.min(waits.length - 1, Math.floor(q * waits.length))]!;
    return { requests: tokenRequests(), p50: at(0.5), p99: at(0.99) };
  }
  const fleetSqlite = await fleet(sqliteUrl);
  const redisPrefix = `entrakit-bench-${randomUUID()}:`;
  const redisUrl = (() => {
    const u = new URL(values.redis!);
    u.searchParams.set("prefix", redisPrefix);
    return u.toString();
  })();
  let fleetRedis: { requests: number; p50: number; p99: number } | string;
  try {
    fleetRedis = await fleet(redisUrl);
  } catch (error) {
    fleetRedis = `Redis unavailable: ${(error as Error).message}`;
  } finally {
    await cleanRedis(values.redis!, redisPrefix);
  }

  await store.close();
  await emulator.close();
  rmSync(dir, { recursive: true, force: true });

  const versions = await libraryVersions();
  const report = {
    machine: machine(),
    versions,
    warm,
    coldRequests,
    lookups,
    storeLookupUs,
    fleetSqlite,
    fleetRedis,
  };
  const markdown = renderTable(report);
  process.stdout.write(`${markdown}\n`);
  process.stdout.write(`${JSON.stringify(report)}\n`);
  if (values["write-docs"]) writeDocsSection("token-cache", markdown);
}

type Fleet = { requests: number; p50: number; p99: number } | string;

function renderTable(r: {
  machine: string;
  versions: Record<string, string>;
  warm: Record<"entrakit" | "msalNode" | "azureIdentity", number>;
  coldRequests: Record<"entrakit" | "msalNode" | "azureIdentity", number>;
  lookups: Array<{ tokens: number; entrakitUs: number; msalNodeUs: number }>;
  storeLookupUs: number;
  fleetSqlite: Fleet;
  fleetRedis: Fleet;
}): string {
  const n = (x: number) => Math.round(x).toLocaleString("en-US");
  const us = (x: number) => (x >= 1000 ? `${(x / 1000).toFixed(1)} ms` : `${x.toFixed(x < 10 ? 2 : 1)} µs`);
  const fleet = (f: Fleet) =>
    typeof f === "string"
      ? `${f} | | |`
      : `${f.requests} | ${f.p50.toFixed(1)} ms | ${f.p99.toFixed(1)} ms |`;
  const v = r.versions;
  return [
    `Machine: ${r.machine}. Libraries: @azure/msal-node ${v.msalNode}, @azure/identity ${v.azureIdentity}.`,
    "",
    "| Measure | entrakit | @azure/msal-node | @azure/identity |",
    "| --- | --- | --- | --- |",
    `| Warm cache, tokens/s (one caller in a loop) | ${n(r.warm.entrakit)} | ${n(r.warm.msalNode)} | ${n(r.warm.azureIdentity)} |`,
    `| entrakit speed-up | 1× | ${(r.warm.entrakit / r.warm.msalNode).toFixed(0)}× | ${(r.warm.entrakit / r.warm.azureIdentity).toFixed(0)}× |`,
    `| Cold cache, 1,000 concurrent callers: token requests sent | ${r.coldRequests.entrakit} | ${n(r.coldRequests.msalNode)} | ${n(r.coldRequests.azureIdentity)} |`,
    ...r.lookups.map(
      (l) =>
        `| Lookup with ${n(l.tokens)} cached tokens (mean per hit) | ${us(l.entrakitUs)} | ${us(l.msalNodeUs)} | — |`,
    ),
    `| Same 100,000 with the default 10,000 in memory (misses read the sealed SQLite record) | ${us(r.storeLookupUs)} | — | — |`,
    "",
    "| Single flight, 8 processes × 200 callers, cold cache | Token requests | p50 wait | p99 wait |",
    "| --- | --- | --- | --- |",
    `| SQLite (WAL) | ${fleet(r.fleetSqlite)}`,
    `| Redis | ${fleet(r.fleetRedis)}`,
  ].join("\n");
}

async function libraryVersions(): Promise<Record<string, string>> {
  const read = (name: string) =>
    (
      JSON.parse(readFileSync(new URL(`../node_modules/${name}/package.json`, import.meta.url), "utf8")) as {
        version: string;
      }
    ).version;
  return { msalNode: read("@azure/msal-node"), azureIdentity: read("@azure/identity") };
}

async function cleanRedis(url: string, prefix: string): Promise<void> {
  const { Redis } = await import("ioredis");
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await client.connect();
    const keys = await client.keys(`${prefix}*`);
    if (keys.length > 0) await client.del(...keys);
  } catch {
    // Nothing to clean when Redis was not reachable.
  } finally {
    client.disconnect();
  }
}
