/**
 * `entrakit emulator`: runs the local Microsoft cloud emulator until SIGINT/SIGTERM and prints how to point
 * MSAL, @azure/identity and entrakit at it.
 */
import type { Command } from "commander";
import { startEmulator } from "../emulator/server.ts";
import { DEV_APP, DEV_TENANT } from "../emulator/well-known.ts";
import { EntrakitError } from "../errors.ts";

interface EmulatorCommandOptions {
  host: string;
  port: string;
  tls?: boolean;
  state?: string;
  config?: string;
  allowNonLoopback?: boolean;
  seed?: string;
  riskyUsers?: string;
  detections?: string;
}

export function registerEmulatorCommand(program: Command): void {
  program
    .command("emulator")
    .description("Run the local Microsoft cloud emulator (Entra ID, managed identity, Microsoft Graph)")
    .option("--host <host>", "address to listen on (loopback unless --allow-non-loopback)", "127.0.0.1")
    .option("--port <port>", "port to listen on; 0 picks a free one", "0")
    .option("--tls", "serve HTTPS with a local CA (needed by MSAL), plus a plain-HTTP loopback listener")
    .option("--state <dir>", "keep the signing key and the TLS CA in this directory across restarts")
    .option("--config <file>", "JSON or YAML file with tenants, users, apps, consents, identities, faults")
    .option(
      "--allow-non-loopback",
      "allow binding a non-loopback address (exposes well-known fake credentials)",
    )
    .option("--seed <n>", "seed of the Graph emulator's generated data")
    .option("--risky-users <n>", "number of generated risky users in the Graph emulator")
    .option("--detections <n>", "number of generated risk detections in the Graph emulator")
    .action(async (options: EmulatorCommandOptions) => {
      await runEmulator(options);
    });
}

async function runEmulator(options: EmulatorCommandOptions): Promise<void> {
  const port = integerOption("--port", options.port, 0, 65535)!;
  const graph: Record<string, number> = {};
  for (const [flag, key, value] of [
    ["--seed", "seed", options.seed],
    ["--risky-users", "riskyUsers", options.riskyUsers],
    ["--detections", "detections", options.detections],
  ] as const) {
    const parsed = integerOption(flag, value, 0, 1_000_000);
    if (parsed !== undefined) graph[key] = parsed;
  }
  let config: Record<string, unknown> | string | undefined = options.config;
  if (Object.keys(graph).length > 0) {
    const { loadConfigFile } = await import("../emulator/config.ts");
    const base = options.config ? await loadConfigFile(options.config) : {};
    const existing = (base as Record<string, unknown>).graph;
    config = { ...base, graph: { ...(typeof existing === "object" ? existing : {}), ...graph } };
  }
  const emulator = await startEmulator({
    host: options.host,
    port,
    tls: options.tls,
    stateDir: options.state,
    config,
    allowNonLoopback: options.allowNonLoopback,
  });
  const authority = `${emulator.url}/${DEV_TENANT.id}`;
  const lines = [
    `entrakit emulator listening on ${emulator.url}`,
    ...(emulator.httpUrl !== emulator.url ? [`plain HTTP (managed identity) on ${emulator.httpUrl}`] : []),
    ...(emulator.caCertPath ? [`CA certificate: ${emulator.caCertPath}`] : []),
    "",
    `Authority:      ${authority}`,
    `Tenant:         ${DEV_TENANT.id} (${DEV_TENANT.domain})`,
    `Client id:      ${DEV_APP.clientId}`,
    `Client secret:  ${DEV_APP.secret}  (well-known development value)`,
    "",
    "Point clients at it:",
    ...(emulator.caCertPath
      ? [`  export NODE_EXTRA_CA_CERTS=${emulator.caCertPath}`]
      : ["  (MSAL needs HTTPS: restart with --tls)"]),
    `  msal-node:        auth: { authority: "${authority}", knownAuthorities: ["${new URL(emulator.url).host}"] }`,
    `  @azure/identity:  { authorityHost: "${emulator.url}", disableInstanceDiscovery: true }`,
    `  IMDS:             export AZURE_POD_IDENTITY_AUTHORITY_HOST=${emulator.httpUrl}`,
    `  entrakit:         cloud "custom" with authority host ${emulator.url}`,
    "",
    `Admin API: ${emulator.httpUrl}/_emulator/ (loopback only; see docs/emulator.md). Ctrl+C stops.`,
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
  await emulator.close();
}

function integerOption(
  flag: string,
  value: string | undefined,
  min: number,
  max: number,
): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < min || parsed > max) {
    throw new EntrakitError("usage", `${flag} must be a whole number from ${min} to ${max}, got "${value}".`);
  }
  return parsed;
}
