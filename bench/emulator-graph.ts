/**
 * Graph emulator benchmark: risky-user items served per second while paging `riskyUsers` at `$top=500`
 * with a `$filter`, following every `@odata.nextLink` to the end, over loopback keep-alive; plus how long
 * the deterministic generator takes for 100,000 risky users (and 300,000 detections).
 *
 * The emulator runs in a child process (as `entrakit emulator` would) so the client's JSON parsing does
 * not share the server's thread. One walker pages sequentially (as a client does); `--walkers N` runs N
 * walks at once.
 *
 *   npx node bench/emulator-graph.ts [-- --users 100000 --rounds 3 --walkers 1]
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { cpus } from "node:os";
import { performance } from "node:perf_hooks";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { Pool } from "undici";

const SERVE_FLAG = "--serve-graph-emulator";
const FILTER = "riskState ne 'dismissed' and riskLevel ne 'hidden'";

if (process.argv.includes(SERVE_FLAG)) {
  const users = Number(process.argv[process.argv.indexOf(SERVE_FLAG) + 1]);
  const { startEmulator } = await import("../src/emulator/server.ts");
  const { DEV_APP, DEV_TENANT, GRAPH_APP_ID } = await import("../src/emulator/well-known.ts");
  const emulator = await startEmulator({
    port: 0,
    config: { graph: { riskyUsers: users, detections: 0, lastPageQuirk: false } },
  });
  const issued = await emulator.core.tokens.issueAccessToken({
    tenantId: DEV_TENANT.id,
    resource: emulator.core.directory.resourceApi(GRAPH_APP_ID)!,
    clientId: DEV_APP.clientId,
    subject: { kind: "app", servicePrincipalId: "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9" },
    roles: ["IdentityRiskyUser.Read.All"],
    version: 1,
    lifetimeSeconds: 86_400,
  });
  process.stdout.write(`${JSON.stringify({ url: emulator.url, token: issued.token })}\n`);
  process.on("SIGTERM", () => {
    void emulator.close().then(() => process.exit(0));
  });
} else {
  await runBenchmark();
}

async function runBenchmark(): Promise<void> {
  const { values } = parseArgs({
    options: {
      users: { type: "string", default: "100000" },
      rounds: { type: "string", default: "3" },
      walkers: { type: "string", default: "1" },
    },
  });
  const users = Number(values.users);
  const rounds = Number(values.rounds);
  const walkers = Number(values.walkers);

  const { generate } = await import("../src/emulator/graph/generator.ts");
  const genInput = {
    seed: 1,
    tenantId: "7c1e3a52-4b8d-4f6e-9a2c-5d0b1e8f3a76",
    domain: "contoso.onmicrosoft.com",
    anchor: Date.parse("2026-06-01T00:00:00Z"),
    windowDays: 90,
  };
  let started = performance.now();
  generate({ ...genInput, riskyUsers: 100_000, detections: 0 });
  const genUsersMs = performance.now() - started;
  started = performance.now();
  generate({ ...genInput, riskyUsers: 100_000, detections: 300_000 });
  const genAllMs = performance.now() - started;

  const child = spawn(process.execPath, [new URL(import.meta.url).pathname, SERVE_FLAG, String(users)], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const [line] = (await once(createInterface({ input: child.stdout! }), "line")) as [string];
  const { url, token } = JSON.parse(line) as { url: string; token: string };
  const pool = new Pool(url, { connections: Math.max(1, walkers), pipelining: 1 });
  const headers = { authorization: `Bearer ${token}` };

  async function walkOnce(): Promise<{ items: number; pages: number }> {
    let path: string | undefined =
      `/v1.0/identityProtection/riskyUsers?$top=500&$filter=${encodeURIComponent(FILTER)}`;
    let items = 0;
    let pages = 0;
    while (path) {
      const response = await pool.request({ method: "GET", path, headers });
      const body = (await response.body.json()) as { value: unknown[]; "@odata.nextLink"?: string };
      if (response.statusCode !== 200) throw new Error(`page ${pages + 1}: HTTP ${response.statusCode}`);
      items += body.value.length;
      pages += 1;
      const next = body["@odata.nextLink"];
      path = next ? next.slice(url.length) : undefined;
    }
    return { items, pages };
  }

  try {
    await walkOnce(); // warm-up: generation, sorted index, JIT
    const results: number[] = [];
    let perWalk = { items: 0, pages: 0 };
    for (let round = 0; round < rounds; round++) {
      const t0 = performance.now();
      const walks = await Promise.all(Array.from({ length: walkers }, () => walkOnce()));
      const seconds = (performance.now() - t0) / 1000;
      perWalk = walks[0]!;
      const served = walks.reduce((sum, walk) => sum + walk.items, 0);
      results.push(served / seconds);
    }
    const best = Math.max(...results);
    const median = [...results].sort((a, b) => a - b)[Math.floor(results.length / 2)]!;
    console.log(
      JSON.stringify(
        {
          benchmark: "emulator-graph riskyUsers paging",
          machine: `${cpus().length} x ${cpus()[0]?.model ?? "cpu"}`,
          users,
          filter: FILTER,
          top: 500,
          walkers,
          itemsPerWalk: perWalk.items,
          pagesPerWalk: perWalk.pages,
          itemsPerSecondMedian: Math.round(median),
          itemsPerSecondBest: Math.round(best),
          target: 50_000,
          generate100kUsersMs: Math.round(genUsersMs),
          generate100kUsersAnd300kDetectionsMs: Math.round(genAllMs),
        },
        null,
        2,
      ),
    );
  } finally {
    await pool.close();
    child.kill("SIGTERM");
    await once(child, "exit");
  }
}
