/**
 * `entrakit instance add|list|show|remove` (and, from instance-manage.ts, `edit|export|import`). How
 * parameters and secrets are taken from the user is instance-input.ts.
 */
import type { Command } from "commander";
import { findIntegration } from "../integrations/registry.ts";
import {
  listInstances,
  loadInstance,
  maskedParams,
  removeInstance,
  resolveInstance,
  saveInstance,
} from "../runtime/instances.ts";
import {
  collect,
  type ParamOptions,
  pairs,
  paramsFromOptions,
  promptMissingSecret,
  withStore,
} from "./instance-input.ts";
import { registerInstanceManageCommands } from "./instance-manage.ts";
import { registerInstanceTestCommand } from "./instance-test.ts";

interface AddOptions extends ParamOptions {
  integration: string;
  endpoint?: string[];
  replace?: boolean;
  vendorApp?: string;
}

async function gatherParams(options: AddOptions): Promise<Record<string, string>> {
  const definition = findIntegration(options.integration).definition;
  const params = await paramsFromOptions(definition, options);
  if (!options.secretStdin) Object.assign(params, await promptMissingSecret(definition, params));
  return params;
}

function showText(params: Record<string, string | boolean>, header: string[]): string {
  const width = Math.max(...Object.keys(params).map((k) => k.length), 0);
  const lines = [...header, ...Object.entries(params).map(([k, v]) => `  ${k.padEnd(width)}  ${String(v)}`)];
  return `${lines.join("\n")}\n`;
}

export function registerInstanceCommand(program: Command): void {
  const instance = program
    .command("instance")
    .description("integration instances: add, list, show, edit, remove, export, import")
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

  registerInstanceManageCommands(instance);
  registerInstanceTestCommand(instance);
}
