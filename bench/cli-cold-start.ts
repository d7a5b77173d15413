/**
 * CLI cold start: `entrakit run '!azure-risky-users-auth-test'` with its token already in the store (a
 * fresh process that opens the SQLite store, reads the sealed instance and cached token, and makes the
 * connectivity probe to the emulator), against `node -e 0` on the same Node binary. Target: at most 3×.
 *
 * Two ways of running the same binary (bin/entrakit.js):
 *   - the built package (`npm run build`, dist/bin: the CLI bundle an installed package runs; selected
 *     here with ENTRAKIT_DIST=1) — the target applies to this one, what users run;
 *   - the TypeScript sources of a checkout (ENTRAKIT_DIST=0), for contributors.
 * One warm-up run of each fetches the token and fills Node's compile cache (bin/entrakit.js turns it on,
 * as every later run of an installed CLI finds it); then N timed runs of each, interleaved so that load
 * from elsewhere on the machine hits all three alike. Wall time is from spawn to exit, seen by this process.
 *
 *   npx node bench/cli-cold-start.ts [-- --runs 20 --write-docs]
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { buildAll } from "../scripts/build.ts";
import { startCliBench } from "./lib/cli-sandbox.ts";
import { machine, stats, writeDocsSection } from "./lib/report.ts";

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

await buildAll();
const MODES = { bundle: { ENTRAKIT_DIST: "1" }, sources: { ENTRAKIT_DIST: "0" } } as const;
const bench = await startCliBench(100);
const times: Record<keyof typeof MODES | "node", number[]> = { bundle: [], sources: [], node: [] };
try {
  for (const env of Object.values(MODES)) {
    const warm = await bench.run(["run", "!azure-risky-users-auth-test"], { env });
    if (warm.code !== 0) throw new Error(`bench: auth-test failed: ${warm.stderr.trim()}`);
  }
  for (let i = 0; i < runs; i++) {
    times.node.push(await nodeBaseline());
    for (const [mode, env] of Object.entries(MODES) as [keyof typeof MODES, Record<string, string>][]) {
      const out = await bench.run(["run", "!azure-risky-users-auth-test"], { rss: false, env });
      if (out.code !== 0 || out.stdout !== "Success!\n") {
        throw new Error(`bench: auth-test (${mode}) run ${i + 1} exited ${out.code}: ${out.stderr.trim()}`);
      }
      times[mode].push(out.wallMs);
    }
  }
} finally {
  await bench.close();
}

const n = stats(times.node);
const b = stats(times.bundle);
const s = stats(times.sources);
const ratio = b.median / n.median;
const ms = (x: number) => `${x.toFixed(0)} ms`;
const row = (label: string, x: ReturnType<typeof stats>, r: string) =>
  `| ${label} | ${ms(x.median)} | ${ms(x.p95)} | ${ms(x.min)}–${ms(x.max)} | ${r} |`;
const markdown = [
  `Machine: ${machine()}. ${runs} runs each, interleaved; wall time from spawn to exit.`,
  "",
  "| Command | Median | p95 | Min–max | Ratio of the medians to `node -e 0` |",
  "| --- | --- | --- | --- | --- |",
  row("`entrakit run '!azure-risky-users-auth-test'`, built package (dist/bin)", b, `${ratio.toFixed(1)}×`),
  row(
    "`entrakit run '!azure-risky-users-auth-test'`, checkout sources (.ts)",
    s,
    `${(s.median / n.median).toFixed(1)}×`,
  ),
  row("`node -e 0`", n, "1.0×"),
].join("\n");
process.stdout.write(`${markdown}\n`);
process.stdout.write(
  `${JSON.stringify({ runs, targetRatio: TARGET_RATIO, ratio, bundleMs: b, sourcesMs: s, nodeMs: n })}\n`,
);
if (values["write-docs"]) writeDocsSection("cli-cold-start", markdown);
if (ratio > TARGET_RATIO)
  process.stderr.write(`bench: the built CLI's ratio ${ratio.toFixed(1)}× is over ${TARGET_RATIO}×\n`);
