/**
 * Test-only: runs the real `entrakit` CLI in a child process against a throwaway SQLite store. Spawned
 * asynchronously so an emulator running in the test process keeps answering while the child waits.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const MAIN = new URL("../../src/cli/main.ts", import.meta.url).pathname;

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliSandbox {
  dir: string;
  env: Record<string, string>;
  run(args: string[], options?: { env?: Record<string, string>; stdin?: string }): Promise<CliResult>;
  close(): void;
}

export function cliSandbox(): CliSandbox {
  const dir = mkdtempSync(join(tmpdir(), "entrakit-cli-"));
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "",
    HOME: dir,
    ENTRAKIT_HOME: dir,
    ENTRAKIT_STORE: `sqlite:${join(dir, "store.db")}`,
    ENTRAKIT_MASTER_KEY: randomBytes(32).toString("base64"),
    NO_COLOR: "1",
  };
  return {
    dir,
    env,
    run(args, options = {}) {
      return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [MAIN, ...args], {
          env: { ...env, ...options.env },
          stdio: ["pipe", "pipe", "pipe"],
        });
        let stdout = "";
        let stderr = "";
        child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
          stdout += chunk;
        });
        child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
          stderr += chunk;
        });
        child.on("error", reject);
        child.on("close", (code) => resolve({ code, stdout, stderr }));
        child.stdin.end(options.stdin ?? "");
      });
    },
    close() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
