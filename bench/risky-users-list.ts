/**
 * `entrakit run '!azure-risky-users-list limit=100000'` end to end: the real CLI in a child process
 * against the real emulator (another child, 100,000 generated risky users, no throttling), a SQLite store
 * in a temporary directory. Three ways a user reads the result: markdown to a pipe, `--output json` to a
 * pipe, and aligned tables on a terminal (a pseudo-terminal 160 columns wide, through
 * test/cli/terminal-driver.py). Reports each run's wall time and the CLI process's peak RSS; target
 * < 250 MB. Every run must exit 0 and print all 100,000 users (checked), or the script fails.
 *
 * The token is fetched and the compile cache filled by one `auth-test` run first. Every list run merges
 * the 100,000 users into the instance context (one JSON record in the store), so each mode runs twice:
 * after `entrakit context clear` (a first run) and again with the context holding the 100,000 users (every
 * later run, which also reads, merges and rewrites the 30 MB record).
 *
 *   npx node bench/risky-users-list.ts [-- --users 100000 --runs 2 --write-docs]
 */
import { parseArgs } from "node:util";
import { type Measured, startCliBench } from "./lib/cli-sandbox.ts";
import { machine, stats, writeDocsSection } from "./lib/report.ts";

const TARGET_MB = 250;

const { values } = parseArgs({
  options: {
    users: { type: "string", default: "100000" },
    runs: { type: "string", default: "2" },
    "write-docs": { type: "boolean", default: false },
  },
});
const users = Number(values.users);
const runs = Number(values.runs);
const line = `!azure-risky-users-list limit=${users}`;

interface Mode {
  name: string;
  args: string[];
  terminal?: { columns: number };
  /** Users the output shows, or an explanation of what is wrong with it. */
  count(output: Measured): number;
}

const MODES: Mode[] = [
  {
    name: "markdown to a pipe",
    args: ["run", line],
    count: (out) => out.stdout.split("\n").filter((row) => row.startsWith("| ")).length,
  },
  {
    name: "`--output json` to a pipe",
    args: ["run", line, "--output", "json"],
    count: (out) => {
      const [entry] = JSON.parse(out.stdout) as Array<{
        readable: string;
        outputs: { data: unknown[] };
        raw: { value: unknown[] };
      }>;
      const { readable, outputs, raw } = entry!;
      const rows = readable.split("\n").filter((row) => row.startsWith("| ")).length;
      return rows === outputs.data.length && raw.value.length === outputs.data.length ? rows : -1;
    },
  },
  {
    name: "table on a terminal (160 columns)",
    args: ["run", line],
    terminal: { columns: 160 },
    // The header, then a rule of dashes, then one line per user (no cell here spans two lines).
    count: (out) => {
      const rows = out.stdout.split(/\r?\n/);
      const rule = rows.findIndex((row) => /-{4,}/.test(row));
      return rows.slice(rule + 1).filter((row) => row.trim() !== "").length;
    },
  },
];

/** The instance context before a run: empty (a first run), or holding the 100,000 users (any later run). */
const CONTEXTS = [
  { name: "empty", clear: true },
  { name: "100,000 users", clear: false },
] as const;

interface Row {
  mode: string;
  context: string;
  wallMs: number[];
  peakRssMb: number[];
  outputMb: number;
}

const bench = await startCliBench(users);
const results: Row[] = [];
try {
  const warm = await bench.run(["run", "!azure-risky-users-auth-test"]);
  if (warm.code !== 0) throw new Error(`bench: auth-test failed: ${warm.stderr.trim()}`);
  for (const mode of MODES) {
    const rows = CONTEXTS.map((context) => ({
      mode: mode.name,
      context: context.name,
      wallMs: [] as number[],
      peakRssMb: [] as number[],
      outputMb: 0,
    }));
    for (let i = 0; i < runs; i++) {
      for (const [index, context] of CONTEXTS.entries()) {
        if (context.clear) {
          const cleared = await bench.run(["context", "clear", "risky"]);
          if (cleared.code !== 0) throw new Error(`bench: context clear failed: ${cleared.stderr.trim()}`);
        }
        const out = await bench.run(mode.args, mode.terminal ? { terminal: mode.terminal } : {});
        if (out.code !== 0) throw new Error(`bench: ${mode.name} exited ${out.code}: ${out.stderr.trim()}`);
        const shown = mode.count(out);
        if (shown !== users) throw new Error(`bench: ${mode.name} showed ${shown} users, not ${users}.`);
        const row = rows[index]!;
        row.wallMs.push(out.wallMs);
        row.peakRssMb.push(out.peakRssMb);
        row.outputMb = out.stdoutBytes / 1e6;
        process.stderr.write(
          `${mode.name}, context ${context.name}: ${(out.wallMs / 1000).toFixed(2)} s, ${out.peakRssMb.toFixed(0)} MB\n`,
        );
      }
    }
    results.push(...rows);
  }
} finally {
  await bench.close();
}

const range = (values: number[], digits: number, scale = 1) => {
  const s = stats(values);
  const f = (x: number) => (x / scale).toFixed(digits);
  return values.length === 1 ? f(s.median) : `${f(s.median)} (${f(s.min)}–${f(s.max)})`;
};
const markdown = [
  `Machine: ${machine()}. ${users.toLocaleString("en-US")} users, ${runs} run(s) per row${runs > 1 ? "; median (min–max)" : ""}.`,
  "",
  "| Output | Context before the run | Wall time, s | Peak RSS of the CLI, MB | Output, MB |",
  "| --- | --- | --- | --- | --- |",
  ...results.map(
    (r) =>
      `| ${r.mode} | ${r.context} | ${range(r.wallMs, 2, 1000)} | ${range(r.peakRssMb, 0)} | ${r.outputMb.toFixed(1)} |`,
  ),
].join("\n");
process.stdout.write(`${markdown}\n`);
process.stdout.write(`${JSON.stringify({ users, runs, targetMb: TARGET_MB, results })}\n`);
if (values["write-docs"]) writeDocsSection("risky-users-list", markdown);
const over = results
  .filter((r) => stats(r.peakRssMb).median >= TARGET_MB)
  .map((r) => `${r.mode} (context ${r.context})`);
if (over.length > 0) process.stderr.write(`bench: at or over ${TARGET_MB} MB: ${over.join(", ")}\n`);
