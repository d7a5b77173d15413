/**
 * Instances as a YAML file (`instance export` / `instance import`), to move them between stores or keep
 * them in a repository. The file holds each instance's integration, parameters, endpoint overrides and
 * vendor app name; never its context or tokens. Secret parameters are left out (and listed as left out)
 * unless asked for, and then sealed under a passphrase (export-seal.ts). An import validates the whole
 * file before it writes anything.
 */
import { Document, parseDocument } from "yaml";
import { resetAuth } from "../auth/cache/reset.ts";
import { EntrakitError, isEntrakitError } from "../errors.ts";
import { findIntegration } from "../integrations/registry.ts";
import type { IntegrationDefinition } from "../integrations/types.ts";
import type { Store } from "../store/types.ts";
import { isPlainObject } from "./context.ts";
import {
  type ExportKey,
  newExportKey,
  openExportKey,
  openSecret,
  type SealingHeader,
  sealSecret,
} from "./export-seal.ts";
import { canonicalParam, isSecretParam } from "./instance-edit.ts";
import {
  type Instance,
  instanceExists,
  listInstances,
  loadInstance,
  resolveInstance,
  saveInstance,
} from "./instances.ts";
import { selectAuthFlow } from "./parameters.ts";

export const EXPORT_FORMAT = "entrakit-instances/1";

/** One instance in the file. Keys in snake_case like the parameters. */
interface ExportedInstance {
  integration: string;
  params: Record<string, string | boolean>;
  endpoints?: Record<string, string>;
  vendor_app?: string;
  /** Sealed values (export-seal.ts), only with --include-secrets. */
  secrets?: Record<string, string>;
  /** Names of the secret parameters the instance had and the file does not carry. */
  secrets_omitted?: string[];
}

/** Stands in for an omitted secret while the flow's requirements are checked; never stored. */
const PLACEHOLDER = "-";

const TOP_FIELDS = ["format", "sealing", "instances"];
const ENTRY_FIELDS = ["integration", "params", "endpoints", "vendor_app", "secrets", "secrets_omitted"];

export interface ExportResult {
  text: string;
  names: string[];
  /** `instance.param` for every secret left out. */
  omitted: string[];
}

/**
 * The secret an instance imported without its secrets still lacks (its flow cannot sign in without it),
 * so exporting it again gives a file that imports again.
 */
function secretsStillMissing(definition: IntegrationDefinition, instance: Instance): string[] {
  try {
    selectAuthFlow(definition, instance.params);
    return [];
  } catch {
    const absent = definition.params.filter(
      (p) => p.type === "secret" && instance.params[p.name] === undefined,
    );
    const fills = absent.find((p) => {
      try {
        selectAuthFlow(definition, { ...instance.params, [p.name]: PLACEHOLDER });
        return true;
      } catch {
        return false;
      }
    });
    return fills ? [fills.name] : [];
  }
}

function exportEntry(instance: Instance, key: ExportKey | undefined): ExportedInstance {
  const definition = findIntegration(instance.integration).definition;
  const entry: ExportedInstance = { integration: instance.integration, params: {} };
  const secrets: Record<string, string> = {};
  const omitted: string[] = [];
  for (const [name, value] of Object.entries(instance.params)) {
    if (!isSecretParam(definition, name)) entry.params[name] = value;
    else if (key) secrets[name] = sealSecret(key, instance.name, name, String(value));
    else omitted.push(name);
  }
  omitted.push(...secretsStillMissing(definition, instance));
  if (Object.keys(instance.endpoints).length > 0) entry.endpoints = { ...instance.endpoints };
  if (instance.vendorApp) entry.vendor_app = instance.vendorApp;
  if (Object.keys(secrets).length > 0) entry.secrets = secrets;
  if (omitted.length > 0) entry.secrets_omitted = omitted;
  return entry;
}

/** The YAML of the named instances (all when none named); secrets sealed under `passphrase` when given. */
export async function exportInstances(
  store: Store,
  names: readonly string[],
  options: { passphrase?: string; now?: () => Date } = {},
): Promise<ExportResult> {
  const chosen = names.length > 0 ? [...new Set(names)] : (await listInstances(store)).map((r) => r.name);
  if (chosen.length === 0) {
    throw new EntrakitError("not_found", "There are no instances to export.", {
      hint: "Add one with: entrakit instance add NAME --integration ID.",
    });
  }
  const key = options.passphrase === undefined ? undefined : newExportKey(options.passphrase);
  const instances: Record<string, ExportedInstance> = {};
  const omitted: string[] = [];
  for (const name of chosen) {
    const entry = exportEntry(await loadInstance(store, name), key);
    instances[name] = entry;
    for (const param of entry.secrets_omitted ?? []) omitted.push(`${name}.${param}`);
  }
  const doc = new Document({
    format: EXPORT_FORMAT,
    ...(key ? { sealing: key.header } : {}),
    instances,
  });
  const when = (options.now?.() ?? new Date()).toISOString().replace(/\.\d+Z$/, "Z");
  doc.commentBefore = [
    ` entrakit instances, exported ${when}. Import with: entrakit instance import FILE`,
    key
      ? " Secrets are sealed (AES-256-GCM, scrypt key from the export passphrase): give --passphrase-env VAR."
      : " Secrets are not in this file (secrets_omitted); set them after the import with entrakit instance edit.",
  ].join("\n");
  return { text: doc.toString({ lineWidth: 0 }), names: chosen, omitted };
}

// ---- import ----

export interface ImportEntry {
  instance: Instance;
  /** Secret parameters the file left out: the instance needs them before it can sign in. */
  missingSecrets: string[];
}

function invalid(where: string, message: string, hint: string): EntrakitError {
  return new EntrakitError("usage", `${where}: ${message}`, { hint });
}

function stringMap(value: unknown, where: string, field: string): Record<string, string> {
  if (value === undefined) return {};
  if (!isPlainObject(value) || Object.values(value).some((v) => typeof v !== "string")) {
    throw invalid(where, `${field} must be a map of names to text.`, `Write ${field}: {name: value}.`);
  }
  return value as Record<string, string>;
}

function planEntry(source: string, name: string, value: unknown, key: ExportKey | undefined): ImportEntry {
  const where = `${source}: instance "${name}"`;
  if (!isPlainObject(value))
    throw invalid(where, "is not a map.", "Give integration and params under its name.");
  const unknown = Object.keys(value).find((k) => !ENTRY_FIELDS.includes(k));
  if (unknown) throw invalid(where, `unknown field "${unknown}".`, `Fields: ${ENTRY_FIELDS.join(", ")}.`);
  if (typeof value.integration !== "string") {
    throw invalid(where, "integration is missing.", "Add integration: ID (see entrakit integrations).");
  }
  let definition: ReturnType<typeof findIntegration>["definition"];
  try {
    definition = findIntegration(value.integration).definition;
  } catch (error) {
    throw rewrap(where, "integration", error);
  }
  const raw: Record<string, string> = {};
  const params = value.params ?? {};
  if (!isPlainObject(params)) throw invalid(where, "params must be a map.", "Write params: {name: value}.");
  for (const [param, v] of Object.entries(params)) {
    if (typeof v !== "string" && typeof v !== "boolean" && typeof v !== "number") {
      throw invalid(where, `params.${param} must be text, a number or true/false.`, `Fix params.${param}.`);
    }
    const canonical = canonicalParam(definition, param);
    if (canonical && isSecretParam(definition, canonical)) {
      throw invalid(
        where,
        `params.${param} is a secret and may not be in clear text.`,
        `Remove it and set it after the import: entrakit instance edit ${name} --secret-from-env ${param}=VAR.`,
      );
    }
    raw[param] = String(v);
  }
  // planImport derived the key when any instance has secrets.
  const secrets = stringMap(value.secrets, where, "secrets");
  for (const [param, sealed] of Object.entries(secrets)) {
    if (!isSecretParam(definition, param)) {
      throw invalid(where, `secrets.${param} is not a secret parameter of ${definition.id}.`, "Remove it.");
    }
    raw[param] = openSecret(key!, name, param, sealed);
  }
  const omitted = value.secrets_omitted ?? [];
  if (
    !Array.isArray(omitted) ||
    omitted.some((p) => typeof p !== "string" || !isSecretParam(definition, p))
  ) {
    throw invalid(
      where,
      "secrets_omitted must list secret parameter names.",
      `Secret parameters of ${definition.id}: ${definition.params
        .filter((p) => p.type === "secret")
        .map((p) => p.name)
        .join(", ")}.`,
    );
  }
  const missing = (omitted as string[]).filter((p) => raw[p] === undefined);
  for (const param of missing) raw[param] = PLACEHOLDER;
  if (value.vendor_app !== undefined && typeof value.vendor_app !== "string") {
    throw invalid(where, "vendor_app must be text.", "Write vendor_app: NAME.");
  }
  const endpoints = stringMap(value.endpoints, where, "endpoints");
  let instance: Instance;
  try {
    instance = resolveInstance({
      name,
      integration: definition.id,
      params: raw,
      endpoints,
      ...(value.vendor_app !== undefined ? { vendorApp: value.vendor_app as string } : {}),
    });
  } catch (error) {
    throw rewrap(where, undefined, error);
  }
  for (const param of missing) delete instance.params[param];
  return { instance, missingSecrets: missing };
}

/** An error about one instance, as a usage error (an invalid document) that names it; others unchanged. */
function rewrap(where: string, field: string | undefined, error: unknown): unknown {
  if (!isEntrakitError(error) || error.code === "sealed_data") return error;
  return invalid(where, `${field ? `${field}: ` : ""}${error.message}`, error.hint ?? "Fix the file.");
}

/**
 * Parses and validates a whole export file; nothing is written. `passphrase` opens sealed secrets (asked
 * for only when the file has them). `source` names the file in errors.
 */
export function planImport(text: string, source: string, passphrase?: string): ImportEntry[] {
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length > 0) {
    const first = doc.errors[0]!;
    throw invalid(
      source,
      `not valid YAML: ${first.message.split("\n")[0]!.replace(/:$/, "")}.`,
      "Fix the YAML, or export the instances again.",
    );
  }
  const top = doc.toJS() as unknown;
  if (!isPlainObject(top) || top.format !== EXPORT_FORMAT) {
    throw invalid(
      source,
      "is not an entrakit instances file.",
      `Its first key should be format: ${EXPORT_FORMAT}.`,
    );
  }
  const extra = Object.keys(top).find((k) => !TOP_FIELDS.includes(k));
  if (extra) throw invalid(source, `unknown field "${extra}".`, `Fields: ${TOP_FIELDS.join(", ")}.`);
  if (!isPlainObject(top.instances) || Object.keys(top.instances).length === 0) {
    throw invalid(source, "instances is missing or empty.", "Export at least one instance.");
  }
  const entries = Object.entries(top.instances);
  const sealed = entries.some(([, v]) => isPlainObject(v) && v.secrets !== undefined);
  let key: ExportKey | undefined;
  if (sealed) {
    if (passphrase === undefined) {
      throw new EntrakitError("usage", `${source} holds sealed secrets.`, {
        hint: "Give the export passphrase: --passphrase-env VAR.",
      });
    }
    key = openExportKey(top.sealing as SealingHeader, passphrase);
  }
  return entries.map(([name, value]) => planEntry(source, name, value, key));
}

export interface ImportedInstance {
  name: string;
  integration: string;
  replaced: boolean;
  missingSecrets: string[];
}

/**
 * Writes validated entries. Existing names are refused (nothing written) unless `replace`; a replaced
 * instance loses its cached tokens, which belonged to its old credential, and keeps its context.
 */
export async function applyImport(
  store: Store,
  entries: readonly ImportEntry[],
  options: { replace?: boolean } = {},
): Promise<ImportedInstance[]> {
  const existing: string[] = [];
  for (const { instance } of entries)
    if (await instanceExists(store, instance.name)) existing.push(instance.name);
  if (existing.length > 0 && !options.replace) {
    throw new EntrakitError(
      "conflict",
      `Instances already exist: ${existing.join(", ")}; nothing was imported.`,
      {
        hint: "Add --replace to overwrite them, or remove them first with entrakit instance remove NAME.",
      },
    );
  }
  const imported: ImportedInstance[] = [];
  for (const { instance, missingSecrets } of entries) {
    const replaced = existing.includes(instance.name);
    await saveInstance(store, instance, { replace: replaced });
    if (replaced) await resetAuth(store, instance.name);
    imported.push({ name: instance.name, integration: instance.integration, replaced, missingSecrets });
  }
  return imported;
}
