/**
 * `entrakit instance add|list|show|remove`. Secret parameters come from an environment variable
 * (`--secret-from-env k=VAR`) or stdin (`--secret-stdin k`); a secret typed as `--param k=v` would land in
 * shell history and `ps`, so it is refused unless the user insists with `--insecure-secret-arg`.
 */
import type { Command } from "commander";
import { EntrakitError } from "../errors.ts";
import { findIntegration } from "../integrations/registry.ts";
import type { AuthFlow, IntegrationDefinition } from "../integrations/types.ts";
import {
  listInstances,
  loadInstance,
  maskedParams,
  removeInstance,
  resolveInstance,
  saveInstance,
} from "../runtime/instances.ts";
import { resolveParameters, selectAuthFlow } from "../runtime/parameters.ts";
import { openStore } from "../store/open.ts";
import type { EntrakitStore } from "../store/store.ts";
import { readHiddenLine } from "./prompt.ts";

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** `k=v` pairs into a record; a pair without `=` is a usage error naming the option. */
export function pairs(values: readonly string[], option: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of values) {
    const at = item.indexOf("=");
    if (at <= 0) {
      throw new EntrakitError("usage", `${option} "${item}" is not NAME=VALUE.`, {
        hint: `Write ${option} name=value.`,
      });
    }
    const name = item.slice(0, at);
    if (Object.hasOwn(out, name)) {
      throw new EntrakitError("usage", `${option} ${name} is given twice.`, { hint: "Keep one of them." });
    }
    out[name] = item.slice(at + 1);
  }
  return out;
}

export async function withStore<T>(command: Command, work: (store: EntrakitStore) => Promise<T>): Promise<T> {
  const url = command.optsWithGlobals<{ store?: string }>().store;
  const store = await openStore(url ? { url } : {});
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) {
    throw new EntrakitError("usage", "--secret-stdin expects the secret piped on stdin.", {
      hint: 'Pipe it, e.g. printf %s "$SECRET" | entrakit instance add ..., or use --secret-from-env.',
    });
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString("utf8")
    .replace(/\r?\n$/, "");
}

interface AddOptions {
  integration: string;
  param?: string[];
  secretFromEnv?: string[];
  secretStdin?: string;
  endpoint?: string[];
  insecureSecretArg?: boolean;
  replace?: boolean;
  vendorApp?: string;
}

async function gatherParams(options: AddOptions): Promise<Record<string, string>> {
  const definition = findIntegration(options.integration).definition;
  const params = pairs(options.param ?? [], "--param");
  const isSecret = (name: string) =>
    definition.params.some(
      (p) =>
        p.type === "secret" &&
        [p.name, ...(p.aliases ?? [])].some((n) => n.toLowerCase() === name.toLowerCase()),
    );
  const typed = Object.keys(params).filter(isSecret);
  if (typed.length > 0 && !options.insecureSecretArg) {
    throw new EntrakitError(
      "usage",
      `Refusing the secret ${typed.join(", ")} on the command line (it would stay in shell history).`,
      {
        hint: `Use --secret-from-env ${typed[0]}=VAR or --secret-stdin ${typed[0]} (or --insecure-secret-arg to insist).`,
      },
    );
  }
  for (const [name, variable] of Object.entries(pairs(options.secretFromEnv ?? [], "--secret-from-env"))) {
    const value = process.env[variable];
    if (value === undefined || value === "") {
      throw new EntrakitError("usage", `Environment variable ${variable} (for ${name}) is not set.`, {
        hint: `Export ${variable} first, or use --secret-stdin ${name}.`,
      });
    }
    if (Object.hasOwn(params, name)) {
      throw new EntrakitError("usage", `${name} is given twice.`, { hint: "Give it once." });
    }
    params[name] = value;
  }
  if (options.secretStdin) {
    if (Object.hasOwn(params, options.secretStdin)) {
      throw new EntrakitError("usage", `${options.secretStdin} is given twice.`, { hint: "Give it once." });
    }
    params[options.secretStdin] = await readStdin();
  }
  if (process.stdin.isTTY && !options.secretStdin) await promptMissingSecrets(definition, params);
  return params;
}

/** The secret each flow cannot do without (the prompt asks for these, and only on a terminal). */
const FLOW_SECRETS: Readonly<Partial<Record<AuthFlow, string>>> = {
  client_credentials_secret: "client_secret",
  vendor_app: "client_secret",
  authorization_code: "client_secret",
  client_credentials_certificate: "private_key",
};

/** On a terminal, asks (without echo) for the flow's secret when no option supplied it. */
async function promptMissingSecrets(
  definition: IntegrationDefinition,
  params: Record<string, string>,
): Promise<void> {
  let flow: AuthFlow;
  try {
    // A placeholder secret lets the flow be chosen; the real checks run on the final values.
    flow = selectAuthFlow(definition, resolveParameters(definition, { client_secret: "-", ...params }));
  } catch {
    return;
  }
  const name = FLOW_SECRETS[flow];
  const spec = definition.params.find((p) => p.name === name);
  if (!name || !spec) return;
  const given = Object.keys(params).some((key) =>
    [spec.name, ...(spec.aliases ?? [])].some((n) => n.toLowerCase() === key.toLowerCase()),
  );
  if (given) return;
  if (name === "private_key") {
    throw new EntrakitError("usage", "The certificate's private key is needed.", {
      hint: "Pipe the PEM with --secret-stdin private_key.",
    });
  }
  params[name] = await readHiddenLine(`${spec.display} (${name}, not shown): `);
}

function showText(params: Record<string, string | boolean>, header: string[]): string {
  const width = Math.max(...Object.keys(params).map((k) => k.length), 0);
  const lines = [...header, ...Object.entries(params).map(([k, v]) => `  ${k.padEnd(width)}  ${String(v)}`)];
  return `${lines.join("\n")}\n`;
}

export function registerInstanceCommand(program: Command): void {
  const instance = program
    .command("instance")
    .description("integration instances: add, list, show, remove")
    .option("--store <url>", "store URL (sqlite:..., redis://...); default $ENTRAKIT_STORE");

  instance
    .command("add")
    .description("add an instance of an integration (parameters checked against its schema)")
    .argument("<name>", "instance name")
    .requiredOption("--integration <id>", "integration id, e.g. AzureRiskyUsers")
    .option("--param <k=v>", "a non-secret parameter (repeatable)", collect)
    .option(
      "--secret-from-env <k=VAR>",
      "a secret parameter from an environment variable (repeatable)",
      collect,
    )
    .option("--secret-stdin <k>", "a secret parameter read from stdin")
    .option("--endpoint <name=url>", "a Custom cloud endpoint: login=URL, graph=URL (repeatable)", collect)
    .option("--vendor-app <name>", "the vendor app's name at the OAuth proxy (self_deployed=false)")
    .option("--insecure-secret-arg", "accept secrets given with --param (they stay in shell history)")
    .option("--replace", "replace an existing instance of that name")
    .action(async (name: string, options: AddOptions, command: Command) => {
      const params = await gatherParams(options);
      const resolved = resolveInstance({
        name,
        integration: options.integration,
        params,
        endpoints: pairs(options.endpoint ?? [], "--endpoint"),
        ...(options.vendorApp !== undefined ? { vendorApp: options.vendorApp } : {}),
      });
      await withStore(command, (store) =>
        saveInstance(store, resolved, options.replace ? { replace: true } : {}),
      );
      process.stdout.write(`Added instance ${resolved.name} (${resolved.integration}).\n`);
    });

  instance
    .command("list")
    .description("list instances")
    .option("--json", "print JSON")
    .action(async (options: { json?: boolean }, command: Command) => {
      const refs = await withStore(command, listInstances);
      if (options.json) process.stdout.write(`${JSON.stringify(refs, null, 2)}\n`);
      else if (refs.length === 0) process.stdout.write("No instances. Add one with: entrakit instance add\n");
      else for (const ref of refs) process.stdout.write(`${ref.name}\t${ref.integration}\n`);
    });

  instance
    .command("show")
    .description("show an instance's parameters (secrets masked)")
    .argument("<name>", "instance name")
    .option("--json", "print JSON")
    .action(async (name: string, options: { json?: boolean }, command: Command) => {
      const loaded = await withStore(command, (store) => loadInstance(store, name));
      const params = maskedParams(loaded);
      if (options.json) {
        const shown = {
          name,
          integration: loaded.integration,
          params,
          endpoints: loaded.endpoints,
          ...(loaded.vendorApp ? { vendorApp: loaded.vendorApp } : {}),
        };
        process.stdout.write(`${JSON.stringify(shown, null, 2)}\n`);
        return;
      }
      const header = [`${name} (${loaded.integration})`];
      for (const [k, v] of Object.entries(loaded.endpoints)) header.push(`  endpoint ${k}: ${v}`);
      if (loaded.vendorApp) header.push(`  vendor app: ${loaded.vendorApp}`);
      process.stdout.write(showText(params, header));
    });

  instance
    .command("remove")
    .description("remove an instance with its tokens and context")
    .argument("<name>", "instance name")
    .action(async (name: string, _options: unknown, command: Command) => {
      await withStore(command, (store) => removeInstance(store, name));
      process.stdout.write(`Removed instance ${name}.\n`);
    });
}
