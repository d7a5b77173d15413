/**
 * Emulator benchmark: client-credential token issuances per second over loopback keep-alive.
 *
 * The emulator runs in a child process (as `entrakit emulator` would), so the load generator and the
 * server do not share one JavaScript thread; 32 workers share an undici Pool of 32 keep-alive connections
 * and post `grant_type=client_credentials` with the documented dev app's secret for a fixed duration.
 *
 *   npm run bench:emulator [-- --duration 10 --concurrency 32 --warmup 2 --flow client-credentials|imds]
 *
 * `--flow imds` measures managed identity token issuance (GET on the IMDS emulation) instead.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { availableParallelism, cpus, totalmem } from "node:os";
import { performance } from "node:perf_hooks";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { Pool } from "undici";
import { DEV_APP, DEV_TENANT } from "../src/emulator/well-known.ts";

const SERVE_FLAG = "--serve-emulator";

if (process.argv.includes(SERVE_FLAG)) {
  // Child mode: start the emulator and report its URL on stdout, then serve until killed.
  const { startEmulator } = await import("../src/emulator/server.ts");
  const emulator = await startEmulator({ port: 0 });
  process.stdout.write(`${JSON.stringify({ url: emulator.url })}\n`);
  process.on("SIGTERM", () => {
    void emulator.close().then(() => process.exit(0));
  });
} else {
  await runBenchmark();
}

async function runBenchmark(): Promise<void> {
  const { values } = parseArgs({
    options: {
      duration: { type: "string", default: "10" },
      concurrency: { type: "string", default: "32" },
      warmup: { type: "string", default: "2" },
      json: { type: "boolean", default: false },
      flow: { type: "string", default: "client-credentials" },
    },
  });
  const durationMs = Number(values.duration) * 1000;
  const concurrency = Number(values.concurrency);
  const warmupMs = Number(values.warmup) * 1000;
  if (!(durationMs > 0) || !Number.isInteger(concurrency) || concurrency < 1 || !(warmupMs >= 0)) {
    throw new Error(
      "bench:emulator: --duration and --warmup take seconds, --concurrency a positive integer.",
    );
  }
  const flow = values.flow;
  if (flow !== "client-credentials" && flow !== "imds") {
    throw new Error("bench:emulator: --flow is client-credentials (default) or imds.");
  }

  const child = spawn(process.execPath, [import.meta.filename, SERVE_FLAG], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  try {
    const url = await readUrl(child.stdout);
    const origin = new URL(url).origin;
    const pool = new Pool(origin, { connections: concurrency, pipelining: 1, keepAliveTimeout: 30_000 });
    const request =
      flow === "imds"
        ? {
            method: "GET" as const,
            path: "/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https%3A%2F%2Fmanagement.azure.com%2F",
            headers: { metadata: "true" },
          }
        : {
            method: "POST" as const,
            path: `/${DEV_TENANT.id}/oauth2/v2.0/token`,
            headers: { "content-type": "application/x-www-form-urlencoded" },
            body: new URLSearchParams({
              grant_type: "client_credentials",
              client_id: DEV_APP.clientId,
              client_secret: DEV_APP.secret,
              scope: "https://graph.microsoft.com/.default",
            }).toString(),
          };

    const issueOne = async (): Promise<boolean> => {
      const response = await pool.request(request);
      const text = await response.body.text();
      return response.statusCode === 200 && text.includes('"access_token"');
    };

    // One request first so a broken emulator fails loudly instead of benchmarking errors.
    if (!(await issueOne())) throw new Error("bench:emulator: the first token request did not succeed.");

    await drive(issueOne, concurrency, warmupMs);
    const result = await drive(issueOne, concurrency, durationMs);
    await pool.close();

    const report = {
      benchmark: `emulator token issuance (${flow})`,
      tokensPerSecond: Math.round(result.ok / (result.elapsedMs / 1000)),
      requests: result.ok + result.failed,
      failed: result.failed,
      durationSeconds: Number((result.elapsedMs / 1000).toFixed(2)),
      concurrency,
      latencyMs: {
        p50: percentile(result.latencies, 0.5),
        p99: percentile(result.latencies, 0.99),
        max: percentile(result.latencies, 1),
      },
      machine: {
        cores: availableParallelism(),
        cpu: cpus()[0]?.model ?? "unknown",
        memoryGiB: Number((totalmem() / 2 ** 30).toFixed(1)),
        node: process.version,
        platform: `${process.platform}-${process.arch}`,
      },
    };
    if (values.json) {
      process.stdout.write(`${JSON.stringify(report)}\n`);
    } else {
      process.stdout.write(
        [
          `emulator token issuance (${flow}, loopback keep-alive, concurrency ${concurrency})`,
          `  tokens/s     ${report.tokensPerSecond}`,
          `  requests     ${report.requests} in ${report.durationSeconds} s (${report.failed} failed)`,
          `  latency p50  ${report.latencyMs.p50} ms, p99 ${report.latencyMs.p99} ms, max ${report.latencyMs.max} ms`,
          `  machine      ${report.machine.cores} cores (${report.machine.cpu}), ${report.machine.memoryGiB} GiB, Node ${report.machine.node}, ${report.machine.platform}`,
          "",
        ].join("\n"),
      );
    }
    if (result.failed > 0) process.exitCode = 1;
  } finally {
    child.kill("SIGTERM");
    await once(child, "exit");
  }
}

async function readUrl(stdout: NodeJS.ReadableStream): Promise<string> {
  const lines = createInterface({ input: stdout });
  for await (const line of lines) {
    try {
      const parsed = JSON.parse(line) as { url?: string };
      if (parsed.url) return parsed.url;
    } catch {
      // Not the URL line; keep reading.
    }
  }
  throw new Error("bench:emulator: the emulator exited before printing its URL.");
}

interface DriveResult {
  ok: number;
  failed: number;
  elapsedMs: number;
  latencies: Float64Array;
}

/** Run `concurrency` workers back to back until `durationMs` has passed. */
async function drive(
  task: () => Promise<boolean>,
  concurrency: number,
  durationMs: number,
): Promise<DriveResult> {
  const latencies: number[] = [];
  let ok = 0;
  let failed = 0;
  const started = performance.now();
  const deadline = started + durationMs;
  const worker = async () => {
    while (performance.now() < deadline) {
      const t0 = performance.now();
      let success = false;
      try {
        success = await task();
      } catch {
        success = false;
      }
      latencies.push(performance.now() - t0);
      if (success) ok += 1;
      else failed += 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const sorted = Float64Array.from(latencies).sort();
  return { ok, failed, elapsedMs: performance.now() - started, latencies: sorted };
}

function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return 0;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return Number(sorted[index]!.toFixed(2));
}
