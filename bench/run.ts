/**
 * `npm run bench`: every benchmark in bench/ (each `bench/*.ts` but this file is an entry point), one
 * after another, each in its own child process so none shares a heap or an event loop with another.
 *
 *   npm run bench [-- --only token-cache,emulator] [-- --write-docs]
 *
 * `--write-docs` is passed to the benchmarks that regenerate their table in docs/benchmarks.md.
 * Exits non-zero when any benchmark failed, after running the rest.
 */
import { spawn } from "node:child_process";
import { readdirSync } from "node:fs";
import { parseArgs } from "node:util";

/** Benchmarks that regenerate their own section of docs/benchmarks.md. */
const WRITES_DOCS = new Set(["token-cache", "risky-users-list", "cli-cold-start"]);

const { values } = parseArgs({
  options: { only: { type: "string" }, "write-docs": { type: "boolean", default: false } },
});
const here = new URL(".", import.meta.url);
const all = readdirSync(here)
  .filter((file) => file.endsWith(".ts") && file !== "run.ts")
  .map((file) => file.slice(0, -3))
  .sort();
const wanted = values.only ? values.only.split(",").map((name) => name.trim()) : all;
const unknown = wanted.filter((name) => !all.includes(name));
if (unknown.length > 0) {
  console.error(`npm run bench: no benchmark named ${unknown.join(", ")}. Available: ${all.join(", ")}.`);
  process.exit(2);
}

const failed: string[] = [];
for (const name of wanted) {
  const args = [new URL(`${name}.ts`, here).pathname];
  if (values["write-docs"] && WRITES_DOCS.has(name)) args.push("--write-docs");
  console.log(`\n## bench/${name}.ts\n`);
  const code = await new Promise<number | null>((resolve) => {
    spawn(process.execPath, args, { stdio: "inherit" }).once("exit", resolve);
  });
  if (code !== 0) failed.push(`${name} (exit ${code})`);
}
if (failed.length > 0) {
  console.error(`\nnpm run bench: failed: ${failed.join(", ")}`);
  process.exit(1);
}
