/**
 * `entrakit proxy --config proxy.yaml` runs the OAuth proxy until SIGINT/SIGTERM;
 * `entrakit proxy registrations list|show|revoke|rotate-key` manage its registrations in the same store
 * (from the config's `store`, `--store`, or `ENTRAKIT_STORE`). A rotated key is printed once, like the
 * consent page shows it; nothing else ever prints a key.
 */
import type { Command } from "commander";
import { EntrakitError } from "../errors.ts";
import { readConfiguredStore } from "../proxy/config.ts";
import { type Registration, Registrations } from "../proxy/registrations.ts";
import { startProxy } from "../proxy/server.ts";
import { openStore } from "../store/index.ts";

interface RunOptions {
  config?: string;
  host?: string;
  port?: string;
}

export function registerProxyCommand(program: Command): void {
  const proxy = program
    .command("proxy")
    .description("Run the OAuth proxy for a vendor multi-tenant app (consent pages + /obtain-token)")
    .option("--config <file>", "the proxy's YAML or JSON config (apps, public URL, TLS, store, rate limits)")
    .option("--host <host>", "listen on this address instead of the config's listen.host")
    .option("--port <port>", "listen on this port instead of the config's listen.port (0: a free one)")
    .action(async (options: RunOptions) => {
      await runProxy(options);
    });

  const registrations = proxy
    .command("registrations")
    .description("list, show, revoke registrations or rotate their keys")
    .option("--config <file>", "read the store URL from the proxy's config")
    .option(
      "--store <url>",
      "the store URL (sqlite:..., redis://...); default: the config's, else $ENTRAKIT_STORE",
    );

  registrations
    .command("list")
    .description("every registration: id, app, tenant, created, state")
    .option("--json", "print JSON")
    .action(async (options: { json?: boolean }, command: Command) => {
      await withRegistrations(command, async (all) => {
        const list = await all.list();
        if (options.json) return write(`${JSON.stringify(list, null, 2)}\n`);
        if (list.length === 0) return write("No registrations yet.\n");
        const rows = list.map((r) => [r.id, r.appName, r.kind, r.tenantId, r.createdAt, state(r)]);
        write(table(["ID", "APP", "KIND", "TENANT", "CREATED", "STATE"], rows));
      });
    });

  registrations
    .command("show <id>")
    .description("one registration (never its key)")
    .option("--json", "print JSON")
    .action(async (id: string, options: { json?: boolean }, command: Command) => {
      await withRegistrations(command, async (all) => {
        const registration = await all.get(id);
        if (!registration) throw notFound(id);
        if (options.json) return write(`${JSON.stringify(registration, null, 2)}\n`);
        write(
          [
            `id:           ${registration.id}`,
            `app:          ${registration.appName} (${registration.kind})`,
            `tenant:       ${registration.tenantId}`,
            `created:      ${registration.createdAt}`,
            ...(registration.keyRotatedAt ? [`key rotated:  ${registration.keyRotatedAt}`] : []),
            `state:        ${state(registration)}`,
            "",
          ].join("\n"),
        );
      });
    });

  registrations
    .command("revoke <id>")
    .description("refuse every request of this registration from now on (all replicas)")
    .action(async (id: string, _options: unknown, command: Command) => {
      await withRegistrations(command, async (all) => {
        const registration = await all.revoke(id);
        write(`Revoked ${registration.id} (${registration.appName}, tenant ${registration.tenantId}).\n`);
      });
    });

  registrations
    .command("rotate-key <id>")
    .description("replace the registration's key; prints the new Key once for the customer")
    .action(async (id: string, _options: unknown, command: Command) => {
      await withRegistrations(command, async (all) => {
        const rotated = await all.rotateKey(id);
        write(
          [
            `New Key for ${rotated.registration.id} (${rotated.registration.appName}, tenant ${rotated.registration.tenantId}):`,
            rotated.key,
            "The old key stopped working. This is the only time the new key is shown: send it to the customer",
            "over a safe channel; they replace the Key field of their instance (ID and Token stay the same).",
            "",
          ].join("\n"),
        );
      });
    });
}

async function runProxy(options: RunOptions): Promise<void> {
  if (!options.config) {
    throw new EntrakitError("usage", "entrakit proxy needs --config <file>.", {
      hint: "Write a proxy.yaml as docs/proxy.md shows and pass it with --config.",
    });
  }
  const port = options.port === undefined ? undefined : Number(options.port);
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) {
    throw new EntrakitError("usage", `--port must be a whole number from 0 to 65535, not "${options.port}".`);
  }
  const running = await startProxy({
    config: options.config,
    ...(options.host ? { host: options.host } : {}),
    ...(port !== undefined ? { port } : {}),
  });
  process.stderr.write(
    [
      `entrakit proxy listening on ${running.url}`,
      `public URL:  ${running.config.publicUrl}`,
      `store:       ${running.store.location}`,
      ...[...running.config.apps.values()].map(
        (app) =>
          `consent:     ${running.config.publicUrl}/consent/${encodeURIComponent(app.appName)} (${app.kind})`,
      ),
      "",
    ].join("\n"),
  );
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  await running.close();
}

async function withRegistrations(
  command: Command,
  run: (registrations: Registrations) => Promise<void>,
): Promise<void> {
  const options = command.optsWithGlobals<{ store?: string; config?: string }>();
  const url = options.store ?? (options.config ? await readConfiguredStore(options.config) : undefined);
  const store = await openStore(url ? { url } : {});
  try {
    await run(new Registrations(store));
  } finally {
    await store.close();
  }
}

function state(registration: Registration): string {
  return registration.revokedAt ? `revoked ${registration.revokedAt}` : "active";
}

function notFound(id: string): EntrakitError {
  return new EntrakitError("not_found", `No registration ${id} in this store.`, {
    hint: "Run `entrakit proxy registrations list` to see the registrations.",
  });
}

function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    `${cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join("  ")
      .trimEnd()}\n`;
  return line(headers) + rows.map(line).join("");
}

function write(text: string): void {
  process.stdout.write(text);
}
