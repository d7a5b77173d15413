/**
 * Restores the lockfile entries of Biome's foreign-platform binaries after an `npm install`.
 *
 * The registry this project installs from serves only the Linux builds of `@biomejs/cli-*`, so npm leaves
 * the other platforms out of package-lock.json — and then `npm ci` rejects that same lockfile as out of
 * sync (npm/cli#9846). Listing them as optional, platform-tagged entries lets `npm ci` skip them as it
 * skips any optional package for another platform. Run after changing dependencies:
 *   npx node scripts/fix-lockfile.ts
 */
import { readFileSync, writeFileSync } from "node:fs";

interface LockEntry {
  version?: string;
  [field: string]: unknown;
}

const PLATFORMS: ReadonlyArray<[suffix: string, os: string, cpu: string, libc?: string]> = [
  ["android-arm64", "android", "arm64"],
  ["android-x64", "android", "x64"],
  ["darwin-arm64", "darwin", "arm64"],
  ["darwin-x64", "darwin", "x64"],
  ["linux-arm64-musl", "linux", "arm64", "musl"],
  ["linux-x64-musl", "linux", "x64", "musl"],
  ["win32-arm64", "win32", "arm64"],
  ["win32-x64", "win32", "x64"],
];

const path = new URL("../package-lock.json", import.meta.url);
const lock = JSON.parse(readFileSync(path, "utf8")) as { packages: Record<string, LockEntry> };
const version = lock.packages["node_modules/@biomejs/biome"]?.version;
if (!version) {
  console.error("fix-lockfile: @biomejs/biome is not in package-lock.json; nothing to do");
  process.exit(1);
}
let added = 0;
for (const [suffix, os, cpu, libc] of PLATFORMS) {
  const key = `node_modules/@biomejs/cli-${suffix}`;
  const existing = lock.packages[key];
  if (existing) {
    // npm drops the libc tag of the musl builds it cannot fetch; without it glibc machines would try them.
    if (libc && !existing.libc) {
      existing.libc = [libc];
      added++;
    }
    continue;
  }
  lock.packages[key] = {
    version,
    cpu: [cpu],
    dev: true,
    license: "MIT OR Apache-2.0",
    optional: true,
    os: [os],
    ...(libc ? { libc: [libc] } : {}),
    engines: { node: ">=14.21.3" },
  };
  added++;
}
const sorted = Object.fromEntries(
  Object.entries(lock.packages).sort(([a], [b]) =>
    a === "" ? -1 : b === "" ? 1 : a < b ? -1 : a > b ? 1 : 0,
  ),
);
writeFileSync(path, `${JSON.stringify({ ...lock, packages: sorted }, null, 2)}\n`);
console.log(`fix-lockfile: ${added} platform entr${added === 1 ? "y" : "ies"} added`);
