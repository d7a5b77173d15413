/**
 * Makes sure Debian's Chromium is at /usr/bin/chromium for the browser tests (playwright-core drives it;
 * we never download a browser). Installs it with apt-get when missing and we are root; otherwise exits
 * non-zero saying what to do.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

const CHROMIUM = process.env.ENTRAKIT_CHROMIUM ?? "/usr/bin/chromium";

function run(command: string, args: string[]): boolean {
  process.stdout.write(`ensure-chromium: running ${command} ${args.join(" ")}\n`);
  const result = spawnSync(command, args, {
    stdio: ["ignore", "inherit", "inherit"],
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
  });
  if (result.error) {
    process.stderr.write(`ensure-chromium: could not start ${command}: ${result.error.message}\n`);
    return false;
  }
  return result.status === 0;
}

function fail(message: string): never {
  process.stderr.write(`ensure-chromium: ${message}\n`);
  process.exit(1);
}

if (existsSync(CHROMIUM)) {
  process.stdout.write(`ensure-chromium: ${CHROMIUM} is present, nothing to do\n`);
  process.exit(0);
}

if (typeof process.getuid !== "function" || process.getuid() !== 0) {
  fail(
    `${CHROMIUM} is missing and installing it needs root. Run "sudo apt-get install -y chromium" ` +
      "(or set ENTRAKIT_CHROMIUM to an existing Chromium binary) and try again.",
  );
}

if (!run("apt-get", ["update"])) {
  fail('"apt-get update" failed; check network access to the Debian mirrors and try again.');
}
if (!run("apt-get", ["install", "-y", "--no-install-recommends", "chromium"])) {
  fail('"apt-get install -y chromium" failed; see the apt output above, fix it and try again.');
}
if (!existsSync(CHROMIUM)) {
  fail(`apt-get reported success but ${CHROMIUM} still does not exist; set ENTRAKIT_CHROMIUM to the binary.`);
}
process.stdout.write(`ensure-chromium: installed ${CHROMIUM}\n`);
