/**
 * How `instance add` and `instance edit` take parameters from the user. Secret parameters come from an
 * environment variable (`--secret-from-env k=VAR`), stdin (`--secret-stdin k`) or, on a terminal, a
 * prompt without echo; a secret typed as `--param k=v` would land in shell history and `ps`, so it is
 * refused unless the user insists with `--insecure-secret-arg`.
 */
import type { Command } from "commander";
import { EntrakitError } from "../errors.ts";
import type { AuthFlow, IntegrationDefinition } from "../integrations/types.ts";
import { canonicalParam, isSecretParam } from "../runtime/instance-edit.ts";
import { resolveParameters, selectAuthFlow } from "../runtime/parameters.ts";
import { openStore } from "../store/open.ts";
import type { EntrakitStore } from "../store/store.ts";
import { readHiddenLine } from "./prompt.ts";

export function collect(value: string, previous: string[] = []): string[] {
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

/** All of stdin as text, without its final newline; `option` names what asked for it, `hint` the fix. */
export async function readStdin(
  option: string,
  hint = 'Pipe it, e.g. printf %s "$SECRET" | entrakit instance ..., or use --secret-from-env.',
): Promise<string> {
  if (process.stdin.isTTY)
    throw new EntrakitError("usage", `${option} expects its input piped on stdin.`, { hint });
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString("utf8")
    .replace(/\r?\n$/, "");
}

export interface ParamOptions {
  param?: string[];
  secretFromEnv?: string[];
  secretStdin?: string;
  insecureSecretArg?: boolean;
}

function matchesSecret(definition: IntegrationDefinition, name: string): boolean {
  const canonical = canonicalParam(definition, name);
  return canonical !== undefined && isSecretParam(definition, canonical);
}

/** The values the options give (by the names the user wrote), secrets from their safe sources only. */
export async function paramsFromOptions(
  definition: IntegrationDefinition,
  options: ParamOptions,
): Promise<Record<string, string>> {
  const params = pairs(options.param ?? [], "--param");
  const typed = Object.keys(params).filter((name) => matchesSecret(definition, name));
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
    params[options.secretStdin] = await readStdin("--secret-stdin");
  }
  return params;
}

/** The secret each flow cannot do without (the prompt asks for these, and only on a terminal). */
const FLOW_SECRETS: Readonly<Partial<Record<AuthFlow, string>>> = {
  client_credentials_secret: "client_secret",
  vendor_app: "client_secret",
  authorization_code: "client_secret",
  client_credentials_certificate: "private_key",
};

/**
 * On a terminal, asks (without echo) for the flow's secret when `params` (everything the instance will
 * have) lacks it. Resolves to `{ name: value }` for what was typed, `{}` when nothing was needed.
 */
export async function promptMissingSecret(
  definition: IntegrationDefinition,
  params: Readonly<Record<string, string>>,
): Promise<Record<string, string>> {
  if (!process.stdin.isTTY) return {};
  let flow: AuthFlow;
  try {
    // A placeholder secret lets the flow be chosen; the real checks run on the final values.
    flow = selectAuthFlow(definition, resolveParameters(definition, { client_secret: "-", ...params }));
  } catch {
    return {};
  }
  const name = FLOW_SECRETS[flow];
  const spec = definition.params.find((p) => p.name === name);
  if (!name || !spec) return {};
  if (Object.keys(params).some((key) => canonicalParam(definition, key) === name)) return {};
  if (name === "private_key") {
    throw new EntrakitError("usage", "The certificate's private key is needed.", {
      hint: "Pipe the PEM with --secret-stdin private_key.",
    });
  }
  return { [name]: await readHiddenLine(`${spec.display} (${name}, not shown): `) };
}
