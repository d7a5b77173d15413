/**
 * Runs every test file under test/ with node:test. Files run a few at a time: most tests wait on
 * loopback I/O, and the machine has two cores.
 */
import { spawnSync } from "node:child_process";
import { globSync } from "node:fs";

const patterns = process.argv.slice(2);
const files = globSync(patterns.length > 0 ? patterns : ["test/**/*.test.ts"]).sort();
if (files.length === 0) {
  console.error("run-tests: no test files matched");
  process.exit(1);
}
const result = spawnSync(
  process.execPath,
  ["--test", "--test-concurrency=4", "--test-timeout=180000", "--test-reporter=spec", ...files],
  { stdio: "inherit" },
);
process.exit(result.status ?? 1);
