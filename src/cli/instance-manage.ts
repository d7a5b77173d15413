/**
 * `entrakit instance edit|export|import`: change some parameters of an instance in place, and move
 * instances between stores as YAML. The work is runtime/instance-edit.ts and runtime/instance-io.ts;
 * this module reads the options, the secrets and the passphrase, and prints what happened.
 */
import { closeSync, fchmodSync, openSync, readFileSync, writeSync } from "node:fs";
import type { Command } from "commander";
import { EntrakitError } from "../errors.ts";
import { findIntegration } from "../integrations/registry.ts";
import { canonicalParam, editInstance } from "../runtime/instance-edit.ts";
import { applyImport, exportInstances, planImport } from "../runtime/instance-io.ts";
import { loadInstance } from "../runtime/instances.ts";
import {
  collect,
  type ParamOptions,
  pairs,
  paramsFromOptions,
  promptMissingSecret,
  readStdin,
  withStore,
} from "./instance-input.ts";

interface EditOptions extends ParamOptions {
  unset?: string[];
  endpoint?: string[];
  vendorApp?: string;
}

interface ExportOptions {
  includeSecrets?: boolean;
  passphraseEnv?: string;
  output?: string;
}

interface ImportOptions {
  replace?: boolean;
  passphraseEnv?: string;
}

/** The passphrase from the environment variable the user named (never from the command line). */
function passphraseFromEnv(variable: string): string {
  const value = process.env[variable];
  if (value === undefined || value === "") {
    throw new EntrakitError("usage", `Environment variable ${variable} (the passphrase) is not set.`, {
      hint: `Export ${variable} first.`,
    });
  }
  return value;
}

/** Writes a file only its owner can read (mode 0600 also when it existed with a wider mode). */
function writePrivateFile(path: string, text: string): void {
  let fd: number;
  try {
    fd = openSync(path, "w", 0o600);
  } catch (error) {
    throw new EntrakitError("usage", `Cannot write ${path}: ${(error as NodeJS.ErrnoException).code}.`, {
      hint: "Choose a path in a directory you can write to.",
      cause: error,
    });
  }
  try {
    fchmodSync(fd, 0o600);
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
}

function readImportFile(file: string): Promise<string> | string {
  if (file === "-")
    return readStdin("import -", "Pipe the file, e.g. entrakit instance import - < instances.yaml.");
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new EntrakitError(code === "ENOENT" ? "not_found" : "usage", `Cannot read ${file}: ${code}.`, {
      hint: "Give the path of a file written by entrakit instance export (or - for stdin).",
      cause: error,
    });
  }
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

export function registerInstanceManageCommands(instance: Command): void {
  instance
    .command("edit")
    .description("change some parameters of an instance (the rest is kept; checked like add)")
    .argument("<name>", "instance name")
    .option("--param <k=v>", "set a non-secret parameter (repeatable)", collect)
    .option("--unset <k>", "clear a parameter: back to its default, or absent (repeatable)", collect)
    .option(
      "--secret-from-env <k=VAR>",
      "set a secret parameter from an environment variable (repeatable)",
      collect,
    )
    .option("--secret-stdin <k>", "set a secret parameter read from stdin")
    .option("--endpoint <name=url>", "set a Custom cloud endpoint; name= removes it (repeatable)", collect)
    .option("--vendor-app <name>", "the vendor app's name at the OAuth proxy ('' for the default)")
    .option("--insecure-secret-arg", "accept secrets given with --param (they stay in shell history)")
    .action(async (name: string, options: EditOptions, command: Command) => {
      const outcome = await withStore(command, async (store) => {
        const current = await loadInstance(store, name);
        const definition = findIntegration(current.integration).definition;
        const set = await paramsFromOptions(definition, options);
        if (!options.secretStdin) {
          // Everything the instance will have, so the prompt asks only for a secret still missing.
          const unset = new Set((options.unset ?? []).map((u) => canonicalParam(definition, u) ?? u));
          const after: Record<string, string> = {};
          for (const [k, v] of Object.entries(current.params)) if (!unset.has(k)) after[k] = String(v);
          for (const [k, v] of Object.entries(set)) after[canonicalParam(definition, k) ?? k] = v;
          Object.assign(set, await promptMissingSecret(definition, after));
        }
        return editInstance(store, name, {
          set,
          unset: options.unset ?? [],
          endpoints: pairs(options.endpoint ?? [], "--endpoint"),
          ...(options.vendorApp !== undefined ? { vendorApp: options.vendorApp } : {}),
        });
      });
      if (outcome.changed.length === 0) {
        process.stdout.write(`Instance ${name} unchanged (the values given are the current ones).\n`);
        return;
      }
      process.stdout.write(`Updated instance ${name}: ${outcome.changed.join(", ")}.\n`);
      if (outcome.credentialsChanged) {
        process.stdout.write(
          "Its cached tokens were cleared (the sign-in changed); the next command signs in again.\n",
        );
      }
    });

  instance
    .command("export")
    .description("write instances as YAML (secrets only with --include-secrets, then sealed)")
    .argument("[names...]", "instances to export (default: all)")
    .option("--include-secrets", "include the secret parameters, sealed under a passphrase")
    .option(
      "--passphrase-env <VAR>",
      "the environment variable holding the passphrase (with --include-secrets)",
    )
    .option("--output <file>", "write to this file (mode 0600) instead of stdout")
    .action(async (names: string[], options: ExportOptions, command: Command) => {
      if (options.includeSecrets && !options.passphraseEnv) {
        throw new EntrakitError("usage", "--include-secrets needs a passphrase to seal them with.", {
          hint: "Put one in an environment variable and name it: --passphrase-env VAR.",
        });
      }
      if (options.passphraseEnv && !options.includeSecrets) {
        throw new EntrakitError("usage", "--passphrase-env is only used with --include-secrets.", {
          hint: "Add --include-secrets, or drop --passphrase-env.",
        });
      }
      const passphrase = options.passphraseEnv ? passphraseFromEnv(options.passphraseEnv) : undefined;
      const result = await withStore(command, (store) =>
        exportInstances(store, names, passphrase === undefined ? {} : { passphrase }),
      );
      if (!options.output) {
        process.stdout.write(result.text);
        return;
      }
      writePrivateFile(options.output, result.text);
      const secrets = passphrase
        ? "secrets sealed under the passphrase"
        : result.omitted.length > 0
          ? `secrets omitted: ${result.omitted.join(", ")}`
          : "no secrets";
      process.stdout.write(
        `Exported ${plural(result.names.length, "instance")} (${result.names.join(", ")}) to ${options.output}; ${secrets}.\n`,
      );
    });

  instance
    .command("import")
    .description("add the instances of an export file (all checked before any is written)")
    .argument("<file>", "a file written by instance export, or - for stdin")
    .option("--replace", "overwrite instances that already exist")
    .option("--passphrase-env <VAR>", "the environment variable holding the export passphrase")
    .action(async (file: string, options: ImportOptions, command: Command) => {
      const text = await readImportFile(file);
      const passphrase = options.passphraseEnv ? passphraseFromEnv(options.passphraseEnv) : undefined;
      const entries = planImport(text, file === "-" ? "stdin" : file, passphrase);
      const imported = await withStore(command, (store) =>
        applyImport(store, entries, options.replace ? { replace: true } : {}),
      );
      for (const item of imported) {
        const replaced = item.replaced ? ", replacing the existing one (its cached tokens were cleared)" : "";
        process.stdout.write(`Imported ${item.name} (${item.integration})${replaced}.\n`);
        if (item.missingSecrets.length > 0) {
          const how = item.missingSecrets.map((p) => `--secret-from-env ${p}=VAR`).join(" ");
          process.stdout.write(
            `  ${item.name} has no ${item.missingSecrets.join(", ")} yet (not in the file): entrakit instance edit ${item.name} ${how}\n`,
          );
        }
      }
    });
}
