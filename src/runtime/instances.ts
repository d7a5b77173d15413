/**
 * Integration instances in the Store. One namespace per instance (its name), holding:
 *   `instance.config`  : integration id, non-secret parameters, cloud endpoint overrides (plain JSON);
 *   `instance.secrets` : the secret parameters (sealed at rest under the master key);
 *   `context.*`        : the instance context, in pieces (runtime/context-store.ts);
 *   `auth.*`           : tokens and pending sign-ins (auth/, cleared by auth-reset).
 * Parameters are validated against the integration's schema before anything is written, so a stored
 * instance always resolves.
 */
import type { EndpointName } from "../clouds/registry.ts";
import { ENDPOINT_NAMES } from "../clouds/registry.ts";
import { EntrakitError } from "../errors.ts";
import { findIntegration } from "../integrations/registry.ts";
import type { IntegrationDefinition } from "../integrations/types.ts";
import type { Json, Store } from "../store/types.ts";
import { type Context, readContextPath } from "./context.ts";
import { LEGACY_CONTEXT_KEY, readStoredContext } from "./context-store.ts";
import { type ParameterValues, resolveParameters, selectAuthFlow } from "./parameters.ts";
import type { InstanceRef } from "./routing.ts";

export const CONFIG_KEY = "instance.config";
export const SECRETS_KEY = "instance.secrets";
/** The context's single record of earlier versions (still read until the first merge migrates it). */
export const CONTEXT_KEY = LEGACY_CONTEXT_KEY;

const NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;

/** Endpoint overrides of a Custom cloud (`login`, `graph`...): how an instance targets the emulator. */
export type EndpointOverrides = Partial<Record<EndpointName, string>>;

export interface Instance {
  name: string;
  integration: string;
  /** Canonical parameter names, typed, defaults applied, secrets included. */
  params: ParameterValues;
  endpoints: EndpointOverrides;
  /** The vendor app's name at the OAuth proxy (`self_deployed=false`); default: the command prefix. */
  vendorApp?: string;
}

interface StoredConfig {
  integration: string;
  params: Record<string, string | boolean>;
  endpoints: Record<string, string>;
  vendorApp?: string;
}

export interface InstanceInput {
  name: string;
  integration: string;
  /** Raw values by any accepted name or alias (secrets included). */
  params: Readonly<Record<string, string>>;
  endpoints?: Readonly<Record<string, string>>;
  vendorApp?: string;
}

function checkInstanceName(name: string): string {
  if (!NAME.test(name)) {
    throw new EntrakitError("usage", `"${name}" is not a valid instance name.`, {
      hint: "Use a letter then letters, digits, '.', '_' or '-' (at most 64), e.g. risky-prod.",
    });
  }
  return name;
}

function secretNames(definition: IntegrationDefinition): Set<string> {
  return new Set(definition.params.filter((p) => p.type === "secret").map((p) => p.name));
}

/** Checks endpoint overrides: known names, absolute http(s) URLs; plain http only for loopback. */
function checkEndpoints(raw: Readonly<Record<string, string>>): EndpointOverrides {
  const out: EndpointOverrides = {};
  for (const [name, value] of Object.entries(raw)) {
    if (!(ENDPOINT_NAMES as readonly string[]).includes(name)) {
      throw new EntrakitError("usage", `Unknown endpoint "${name}".`, {
        hint: `Known endpoints: ${ENDPOINT_NAMES.join(", ")} (with --param azure_cloud=Custom).`,
      });
    }
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new EntrakitError("usage", `Endpoint ${name}: "${value}" is not a URL.`, {
        hint: `Write --endpoint ${name}=https://host[:port].`,
      });
    }
    const loopback = ["127.0.0.1", "localhost", "[::1]"].includes(url.hostname);
    if (url.protocol !== "https:" && !(url.protocol === "http:" && loopback)) {
      throw new EntrakitError("usage", `Endpoint ${name} must use https (plain http only on loopback).`, {
        hint: `Write --endpoint ${name}=https://${url.host}.`,
      });
    }
    out[name as EndpointName] = value.replace(/\/+$/, "");
  }
  return out;
}

/**
 * Validates an instance against its integration's schema (names, types, choices, the flow's required
 * parameters) and returns it resolved. Throws a one-line error naming the fix.
 */
export function resolveInstance(input: InstanceInput): Instance {
  const module = findIntegration(input.integration);
  const definition = module.definition;
  const params = resolveParameters(definition, input.params);
  const endpoints = checkEndpoints(input.endpoints ?? {});
  if (Object.keys(endpoints).length > 0 && params.azure_cloud !== "Custom") {
    throw new EntrakitError("usage", "Endpoint overrides need a Custom cloud.", {
      hint: "Add --param azure_cloud=Custom.",
    });
  }
  const flow = selectAuthFlow(definition, params);
  const vendorApp = input.vendorApp?.trim();
  if (vendorApp !== undefined && flow !== "vendor_app") {
    throw new EntrakitError("usage", "--vendor-app is only for instances that use the vendor app.", {
      hint: "Add --param self_deployed=false, or drop --vendor-app.",
    });
  }
  const instance: Instance = {
    name: checkInstanceName(input.name),
    integration: definition.id,
    params,
    endpoints,
  };
  if (vendorApp) instance.vendorApp = vendorApp;
  return instance;
}

async function readConfig(store: Store, name: string): Promise<StoredConfig | undefined> {
  const entry = await store.get<Json>(name, CONFIG_KEY);
  return entry?.value as StoredConfig | undefined;
}

export async function instanceExists(store: Store, name: string): Promise<boolean> {
  return (await readConfig(store, name)) !== undefined;
}

/** Writes an instance (validated by `resolveInstance`). Refuses to replace one unless `replace`. */
export async function saveInstance(
  store: Store,
  instance: Instance,
  options: { replace?: boolean } = {},
): Promise<void> {
  const definition = findIntegration(instance.integration).definition;
  const secret = secretNames(definition);
  const plain: Record<string, string | boolean> = {};
  const sealed: Record<string, string> = {};
  for (const [name, value] of Object.entries(instance.params)) {
    if (secret.has(name)) sealed[name] = String(value);
    else plain[name] = value;
  }
  const config: StoredConfig = {
    integration: instance.integration,
    params: plain,
    endpoints: { ...instance.endpoints } as Record<string, string>,
    ...(instance.vendorApp ? { vendorApp: instance.vendorApp } : {}),
  };
  // The secrets go first: a config without its secrets would look like a complete instance.
  await store.set(instance.name, SECRETS_KEY, sealed, { seal: true });
  const written = await store.set(
    instance.name,
    CONFIG_KEY,
    config as unknown as Json,
    options.replace ? {} : { expectedVersion: 0 },
  );
  if (!written.ok) {
    throw new EntrakitError("conflict", `An instance named "${instance.name}" already exists.`, {
      hint: `Choose another name, or remove it first: entrakit instance remove ${instance.name}.`,
    });
  }
}

/** The instance with its secrets unsealed, or a not_found error that says how to add it. */
export async function loadInstance(store: Store, name: string): Promise<Instance> {
  const config = await readConfig(store, name);
  if (!config) {
    const names = (await listInstances(store)).map((i) => i.name);
    throw new EntrakitError("not_found", `There is no instance named "${name}".`, {
      hint:
        names.length > 0
          ? `Instances: ${names.join(", ")}.`
          : "Add one with: entrakit instance add NAME --integration ID.",
    });
  }
  const secrets = ((await store.get<Json>(name, SECRETS_KEY))?.value ?? {}) as Record<string, string>;
  const instance: Instance = {
    name,
    integration: config.integration,
    params: { ...config.params, ...secrets },
    endpoints: config.endpoints as EndpointOverrides,
  };
  if (config.vendorApp) instance.vendorApp = config.vendorApp;
  return instance;
}

/** Every instance in the store (name and integration), sorted by name. */
export async function listInstances(store: Store): Promise<InstanceRef[]> {
  const refs: InstanceRef[] = [];
  for (const namespace of await store.namespaces()) {
    if (namespace.startsWith("__")) continue;
    const config = await readConfig(store, namespace);
    if (config) refs.push({ name: namespace, integration: config.integration });
  }
  return refs.sort((a, b) => a.name.localeCompare(b.name));
}

/** Removes the instance and everything in its namespace (tokens, context). */
export async function removeInstance(store: Store, name: string): Promise<number> {
  if (!(await instanceExists(store, name))) {
    throw new EntrakitError("not_found", `There is no instance named "${name}".`, {
      hint: "Run entrakit instance list to see the names.",
    });
  }
  return store.clear(name);
}

/**
 * The instance context (outputs merged by prefix and key), `{}` when nothing ran yet; with `path`, only
 * what that dotted path selects (undefined when nothing is there).
 */
export function readContext(store: Store, namespace: string): Promise<Context>;
export function readContext(store: Store, namespace: string, path: string | undefined): Promise<unknown>;
export async function readContext(store: Store, namespace: string, path?: string): Promise<unknown> {
  const all = await readStoredContext(store, namespace);
  return path === undefined ? all : readContextPath(all, path);
}

/** Parameters for display: secrets masked, never their length. */
export function maskedParams(instance: Instance): Record<string, string | boolean> {
  const secret = secretNames(findIntegration(instance.integration).definition);
  return Object.fromEntries(
    Object.entries(instance.params).map(([k, v]) => [k, secret.has(k) ? "********" : v]),
  );
}
