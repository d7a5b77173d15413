/**
 * Shared by the CLI benchmarks: the real `entrakit emulator` in a child process, a throwaway SQLite store
 * with one Azure Risky Users instance aimed at it (client credentials, Custom cloud), and a way to run the
 * real `entrakit` binary against that store measuring its wall time and peak RSS.
 *
 * Peak RSS is the child's own `getrusage(RUSAGE_SELF).ru_maxrss` (`process.resourceUsage().maxRSS`), read
 * by a three-line preload at exit and written to a file: the same figure `/usr/bin/time -v` prints as
 * "Maximum resident set size", without depending on GNU time being installed. The CLI is started by a
 * forking `sh` (or by the pseudo-terminal helper, which forks too): a process that Node spawns directly
 * starts with the spawning process's peak as its own ru_maxrss (Linux carries it over the exec), and this
 * script's peak, which holds earlier runs' output, would be reported instead of the CLI's.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { createInterface } from "node:readline";
import { APP_SECRET_ENV, emulatorInstanceArgs } from "../../test/cli/cli-helpers.ts";

export const BIN = new URL("../../bin/entrakit.js", import.meta.url).pathname;
const PTY_RUN = new URL("pty-run.py", import.meta.url).pathname;

export interface Measured {
  code: number | null;
  wallMs: number;
  /** Peak resident set size of the entrakit process, in MB (10^6 bytes); NaN with `rss: false`. */
  peakRssMb: number;
  /** Bytes written to stdout (what the terminal received, for `terminal`). */
  stdoutBytes: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  terminal?: { columns: number };
  /** Read the peak RSS (default); false runs the CLI exactly as a user would, without the preload. */
  rss?: boolean;
  /** Extra environment for this run (e.g. `ENTRAKIT_DIST=1` to run the built bundle). */
  env?: Record<string, string>;
}

export interface CliBench {
  emulatorUrl: string;
  env: Record<string, string>;
  /**
   * Runs `entrakit ARGS` with stdout to a pipe, or with stdin, stdout and stderr on a pseudo-terminal of
   * `columns` width (bench/lib/pty-run.py copies what it shows).
   */
  run(args: string[], options?: RunOptions): Promise<Measured>;
  close(): Promise<void>;
}

/** Starts the emulator with `riskyUsers` generated users, a sandbox store and the instance `risky`. */
export async function startCliBench(riskyUsers: number): Promise<CliBench> {
  const dir = mkdtempSync(join(tmpdir(), "entrakit-bench-cli-"));
  const emulator = spawn(
    process.execPath,
    [BIN, "emulator", "--port", "0", "--risky-users", String(riskyUsers), "--detections", "0"],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const lines = createInterface({ input: emulator.stdout! });
  let emulatorUrl = "";
  for await (const line of lines) {
    const match = /listening on (http\S+)/.exec(line);
    if (match) {
      emulatorUrl = match[1]!;
      break;
    }
  }
  if (!emulatorUrl) throw new Error("bench: the emulator exited before it listened.");
  emulator.stdout!.resume();

  const rssFile = join(dir, "peak-rss");
  const preload = join(dir, "peak-rss.mjs");
  writeFileSync(
    preload,
    `import { writeFileSync } from "node:fs";\nprocess.on("exit", () => writeFileSync(${JSON.stringify(rssFile)}, String(process.resourceUsage().maxRSS)));\n`,
  );
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "",
    HOME: dir,
    ENTRAKIT_HOME: dir,
    ENTRAKIT_STORE: `sqlite:${join(dir, "store.db")}`,
    ENTRAKIT_MASTER_KEY: randomBytes(32).toString("base64"),
    ...APP_SECRET_ENV,
  };

  const run: CliBench["run"] = async (args, options = {}) => {
    rmSync(rssFile, { force: true });
    const rss = options.rss ?? true;
    const node = [process.execPath, ...(rss ? ["--import", preload] : []), BIN, ...args];
    const command = options.terminal
      ? ["python3", PTY_RUN, String(options.terminal.columns), "--", ...node]
      : ["/bin/sh", "-c", '"$@"; exit $?', "sh", ...node];
    const started = performance.now();
    const child = spawn(command[0]!, command.slice(1), {
      env: { ...env, ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const chunks: Buffer[] = [];
    let stdoutBytes = 0;
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdoutBytes += chunk.length;
      chunks.push(chunk);
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    const [exitCode] = (await once(child, "close")) as [number | null];
    const wallMs = performance.now() - started;
    const stdout = Buffer.concat(chunks).toString("utf8");
    const peakKb = rss ? Number(readFileSync(rssFile, "utf8")) : Number.NaN;
    return { code: exitCode, wallMs, peakRssMb: (peakKb * 1024) / 1e6, stdoutBytes, stdout, stderr };
  };

  const added = await run(emulatorInstanceArgs("risky", emulatorUrl));
  if (added.code !== 0) throw new Error(`bench: instance add failed: ${added.stderr.trim()}`);

  return {
    emulatorUrl,
    env,
    run,
    async close() {
      emulator.kill("SIGTERM");
      await once(emulator, "exit");
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
