/**
 * `entrakit run '!azure-risky-users-list limit=100000'` end to end: the real CLI in a child process
 * against the real emulator (another child, 100,000 generated risky users, no throttling), a SQLite store
 * in a temporary directory. Three ways a user reads the result: markdown to a pipe, `--output json` to a
 * pipe, and aligned tables on a terminal (a pseudo-terminal 160 columns wide, through
 * test/cli/terminal-driver.py). Reports each run's wall time and the CLI process's peak RSS; target
 * < 250 MB. Every run must exit 0 and print all 100,000 users (checked), or the script fails.
 *
 * The token is fetched and the compile cache filled by one `auth-test` run first; each list run merges
 * the 100,000 users into the instance context, as a user's second and later runs do (the first merges
 * into an empty context).
 *
 *   npx node bench/risky-users-list.ts [-- --users 100000 --runs 3 --write-docs]
 */
import { parseArgs } from "node:util";
import { type Measured, machine, startCliBench, stats, writeDocsSection } from "./lib/cli-sandbox.ts";

const TARGET_MB = 250;

const { values } = parseArgs({
  options: {
    users: { type: "string", default: "100000" },
    runs: { type: "string", default: "3" },
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

const bench = await startCliBench(users);
const results: Array<{ mode: string; wallMs: number[]; peakRssMb: number[]; outputMb: number }> = [];
try {
  const warm = await bench.run(["run", "!azure-risky-users-auth-test"]);
  if (warm.code !== 0) throw new Error(`bench: auth-test failed: ${warm.stderr.trim()}`);
  for (const mode of MODES) {
    const row = { mode: mode.name, wallMs: [] as number[], peakRssMb: [] as number[], outputMb: 0 };
    for (let i = 0; i < runs; i++) {
      const out = await bench.run(mode.args, mode.terminal ? { terminal: mode.terminal } : {});
      if (out.code !== 0) throw new Error(`bench: ${mode.name} exited ${out.code}: ${out.stderr.trim()}`);
      const shown = mode.count(out);
      if (shown !== users) throw new Error(`bench: ${mode.name} showed ${shown} users, not ${users}.`);
      row.wallMs.push(out.wallMs);
      row.peakRssMb.push(out.peakRssMb);
      row.outputMb = out.stdoutBytes / 1e6;
      process.stderr.write(
        `${mode.name}: ${(out.wallMs / 1000).toFixed(2)} s, ${out.peakRssMb.toFixed(0)} MB\n`,
      );
    }
    results.push(row);
  }
} finally {
  await bench.close();
}

const markdown = [
  `Machine: ${machine()}. ${users.toLocaleString("en-US")} users, ${runs} runs per mode; median (min–max).`,
  "",
  "| Output | Wall time | Peak RSS of the CLI | Output size |",
  "| --- | --- | --- | --- |",
  ...results.map((r) => {
    const wall = stats(r.wallMs);
    const rss = stats(r.peakRssMb);
    return `| ${r.mode} | ${(wall.median / 1000).toFixed(2)} s (${(wall.min / 1000).toFixed(2)}–${(wall.max / 1000).toFixed(2)}) | ${rss.median.toFixed(0)} MB (${rss.min.toFixed(0)}–${rss.max.toFixed(0)}) | ${r.outputMb.toFixed(1)} MB |`;
  }),
].join("\n");
process.stdout.write(`${markdown}\n`);
process.stdout.write(`${JSON.stringify({ users, runs, targetMb: TARGET_MB, results })}\n`);
if (values["write-docs"]) writeDocsSection("risky-users-list", markdown);
const over = results.filter((r) => stats(r.peakRssMb).median >= TARGET_MB).map((r) => r.mode);
if (over.length > 0) process.stderr.write(`bench: over ${TARGET_MB} MB: ${over.join(", ")}\n`);
