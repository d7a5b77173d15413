/**
 * CLI cold start: `entrakit run '!azure-risky-users-auth-test'` with its token already in the store (a
 * fresh process that opens the SQLite store, reads the sealed instance and cached token, and makes the
 * connectivity probe to the emulator), against `node -e 0` on the same Node binary. Target: at most 3×.
 *
 * One warm-up run fetches the token and fills Node's compile cache (bin/entrakit.js turns it on, as
 * every later run of an installed CLI finds it); then N timed runs of each, interleaved so that load from
 * elsewhere on the machine hits both alike. Wall time is from spawn to exit, seen by this process.
 *
 *   npx node bench/cli-cold-start.ts [-- --runs 20 --write-docs]
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { machine, startCliBench, stats, writeDocsSection } from "./lib/cli-sandbox.ts";

const TARGET_RATIO = 3;

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "20" },
    "write-docs": { type: "boolean", default: false },
  },
});
const runs = Number(values.runs);

async function nodeBaseline(): Promise<number> {
  const started = performance.now();
  const child = spawn(process.execPath, ["-e", "0"], { stdio: "ignore" });
  const [code] = (await once(child, "exit")) as [number | null];
  if (code !== 0) throw new Error(`bench: node -e 0 exited ${code}`);
  return performance.now() - started;
}

const bench = await startCliBench(100);
const cli: number[] = [];
const node: number[] = [];
try {
  const warm = await bench.run(["run", "!azure-risky-users-auth-test"]);
  if (warm.code !== 0) throw new Error(`bench: auth-test failed: ${warm.stderr.trim()}`);
  for (let i = 0; i < runs; i++) {
    node.push(await nodeBaseline());
    const out = await bench.run(["run", "!azure-risky-users-auth-test"], { rss: false });
    if (out.code !== 0 || out.stdout !== "Success!\n") {
      throw new Error(`bench: auth-test run ${i + 1} exited ${out.code}: ${out.stderr.trim()}`);
    }
    cli.push(out.wallMs);
  }
} finally {
  await bench.close();
}

const c = stats(cli);
const n = stats(node);
const ratio = c.median / n.median;
const ms = (x: number) => `${x.toFixed(0)} ms`;
const markdown = [
  `Machine: ${machine()}. ${runs} runs each, interleaved; wall time from spawn to exit.`,
  "",
  "| Command | Median | p95 | Min–max |",
  "| --- | --- | --- | --- |",
  `| \`entrakit run '!azure-risky-users-auth-test'\` (token cached) | ${ms(c.median)} | ${ms(c.p95)} | ${ms(c.min)}–${ms(c.max)} |`,
  `| \`node -e 0\` | ${ms(n.median)} | ${ms(n.p95)} | ${ms(n.min)}–${ms(n.max)} |`,
  `| Ratio of the medians | ${ratio.toFixed(1)}× | | |`,
].join("\n");
process.stdout.write(`${markdown}\n`);
process.stdout.write(
  `${JSON.stringify({ runs, targetRatio: TARGET_RATIO, ratio, cliMs: c, nodeMs: n, cliRuns: cli, nodeRuns: node })}\n`,
);
if (values["write-docs"]) writeDocsSection("cli-cold-start", markdown);
if (ratio > TARGET_RATIO)
  process.stderr.write(`bench: the ratio ${ratio.toFixed(1)}× is over ${TARGET_RATIO}×\n`);
