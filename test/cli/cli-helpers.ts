/**
 * Test-only: runs the real `entrakit` CLI in a child process against a throwaway SQLite store. Spawned
 * asynchronously so an emulator running in the test process keeps answering while the child waits.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEV_APP, DEV_TENANT } from "../../src/emulator/well-known.ts";

const MAIN = new URL("../../src/cli/main.ts", import.meta.url).pathname;

/** The environment variable `emulatorInstanceArgs` reads the dev app's secret from. */
export const APP_SECRET_ENV: Readonly<Record<string, string>> = { APP_SECRET: DEV_APP.secret };

export interface EmulatorInstanceOptions {
  /** Default `AzureRiskyUsers`. */
  integration?: string;
  /** `authentication_type`; default `Client Credentials`. */
  flow?: string;
  /** Read `client_secret` from APP_SECRET (`APP_SECRET_ENV`); default true for Client Credentials. */
  secretFromEnv?: boolean;
  extra?: readonly string[];
}

/**
 * `instance add NAME` for the documented dev app and tenant, aimed at the emulator: a Custom cloud whose
 * sign-in and Microsoft Graph endpoints are `emulatorUrl`.
 */
export function emulatorInstanceArgs(
  name: string,
  emulatorUrl: string,
  options: EmulatorInstanceOptions = {},
): string[] {
  const flow = options.flow ?? "Client Credentials";
  const secret = options.secretFromEnv ?? flow === "Client Credentials";
  return [
    "instance",
    "add",
    name,
    "--integration",
    options.integration ?? "AzureRiskyUsers",
    "--param",
    `authentication_type=${flow}`,
    "--param",
    `client_id=${DEV_APP.clientId}`,
    "--param",
    `tenant_id=${DEV_TENANT.id}`,
    "--param",
    "azure_cloud=Custom",
    "--endpoint",
    `login=${emulatorUrl}`,
    "--endpoint",
    `graph=${emulatorUrl}`,
    ...(secret ? ["--secret-from-env", "client_secret=APP_SECRET"] : []),
    ...(options.extra ?? []),
  ];
}

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
