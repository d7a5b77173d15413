/**
 * `instance edit`: some parameters of a stored instance change, everything else stays. The new instance
 * is validated as a whole (the same `resolveInstance` as `add`) before anything is written, and written
 * with compare-and-set on both records, so an invalid or concurrent edit leaves the stored instance as it
 * was. A change to how the instance signs in drops its cached tokens: they belong to the old credential.
 */
import { resetAuth } from "../auth/cache/reset.ts";
import { EntrakitError } from "../errors.ts";
import { findIntegration } from "../integrations/registry.ts";
import type { IntegrationDefinition } from "../integrations/types.ts";
import { openStore } from "../store/open.ts";
import type { Json, Store, StoreEntry } from "../store/types.ts";
import {
  CONFIG_KEY,
  type Instance,
  loadInstance,
  resolveInstance,
  SECRETS_KEY,
  saveInstance,
} from "./instances.ts";
import { resolveParameters, selectAuthFlow } from "./parameters.ts";

/**
 * Parameters that decide which token the instance gets (secret parameters count too). Clearing tokens
 * when unsure only costs one sign-in; keeping a token for the wrong credential would be a bug.
 */
const CREDENTIAL_PARAMS: ReadonlySet<string> = new Set([
  "client_id",
  "tenant_id",
  "client_secret",
  "certificate_thumbprint",
  "private_key",
  "authentication_type",
  "azure_cloud",
  "use_managed_identities",
  "managed_identities_client_id",
  "self_deployed",
  "auth_code",
  "redirect_uri",
  // Defender for Endpoint's endpoint type picks a national cloud as well as the API host.
  "endpoint_type",
]);

/** Endpoints that move the sign-in (the API host, e.g. `graph`, does not change the token). */
const CREDENTIAL_ENDPOINTS: ReadonlySet<string> = new Set(["login"]);

export interface InstanceEdit {
  /** Raw values by any accepted name or alias (secrets included). */
  set: Readonly<Record<string, string>>;
  /** Parameter names (or aliases) to clear: back to the default, or absent. */
  unset: readonly string[];
  /** Endpoint overrides to set; an empty value removes that override. */
  endpoints: Readonly<Record<string, string>>;
  /** The vendor app's name at the proxy; an empty value returns to the default. */
  vendorApp?: string;
}

export interface EditOutcome {
  instance: Instance;
  /** Names of what changed (`client_secret`, `endpoint login`, `vendor app`), never values. */
  changed: string[];
  /** True when a change affects sign-in, so the cached tokens were cleared. */
  credentialsChanged: boolean;
}

/** The canonical parameter name for a name or alias, or undefined when the integration has none. */
export function canonicalParam(definition: IntegrationDefinition, given: string): string | undefined {
  const lower = given.toLowerCase();
  return definition.params.find((p) => [p.name, ...(p.aliases ?? [])].some((n) => n.toLowerCase() === lower))
    ?.name;
}

export function isSecretParam(definition: IntegrationDefinition, name: string): boolean {
  return definition.params.some((p) => p.name === name && p.type === "secret");
}

/** Pure: the edited instance, validated, with what changed. Throws the same errors as `add`. */
function applyEdit(current: Instance, edit: InstanceEdit): EditOutcome {
  const definition = findIntegration(current.integration).definition;
  const raw: Record<string, string> = Object.fromEntries(
    Object.entries(current.params).map(([k, v]) => [k, String(v)]),
  );
  for (const given of edit.unset) {
    const name = canonicalParam(definition, given);
    if (!name) {
      throw new EntrakitError("usage", `--unset ${given}: ${definition.display} has no such parameter.`, {
        hint: `Valid parameters: ${definition.params.map((p) => p.name).join(", ")}.`,
      });
    }
    delete raw[name];
  }
  const setNames = new Set<string>();
  for (const [given, value] of Object.entries(edit.set)) {
    // Unknown names keep their spelling, so resolveInstance names them in its error.
    const name = canonicalParam(definition, given) ?? given;
    if (setNames.has(name) || edit.unset.some((u) => canonicalParam(definition, u) === name)) {
      throw new EntrakitError("usage", `${name} is changed twice in one edit.`, { hint: "Give it once." });
    }
    setNames.add(name);
    raw[name] = value;
  }
  const endpoints: Record<string, string> = { ...current.endpoints };
  for (const [name, url] of Object.entries(edit.endpoints)) {
    if (url === "") delete endpoints[name];
    else endpoints[name] = url;
  }
  let vendorApp = edit.vendorApp === undefined ? current.vendorApp : edit.vendorApp.trim() || undefined;
  // A vendor app name means nothing once the instance stops using the vendor app.
  const flow = selectAuthFlow(definition, resolveParameters(definition, raw));
  if (edit.vendorApp === undefined && flow !== "vendor_app") vendorApp = undefined;
  const instance = resolveInstance({
    name: current.name,
    integration: current.integration,
    params: raw,
    endpoints,
    ...(vendorApp !== undefined ? { vendorApp } : {}),
  });

  const changed: string[] = [];
  let credentialsChanged = false;
  for (const name of new Set([...Object.keys(current.params), ...Object.keys(instance.params)])) {
    if (current.params[name] === instance.params[name]) continue;
    changed.push(name);
    if (CREDENTIAL_PARAMS.has(name) || isSecretParam(definition, name)) credentialsChanged = true;
  }
  for (const name of new Set([...Object.keys(current.endpoints), ...Object.keys(instance.endpoints)])) {
    const key = name as keyof Instance["endpoints"];
    if (current.endpoints[key] === instance.endpoints[key]) continue;
    changed.push(`endpoint ${name}`);
    if (CREDENTIAL_ENDPOINTS.has(name)) credentialsChanged = true;
  }
  if (current.vendorApp !== instance.vendorApp) {
    changed.push("vendor app");
    credentialsChanged = true;
  }
  return { instance, changed, credentialsChanged };
}

/**
 * The two records `saveInstance` writes for an instance, taken from a throwaway memory store, so this
 * module writes exactly the stored format without restating it.
 */
async function recordsOf(instance: Instance): Promise<{ config: Json; secrets: Json }> {
  const scratch = await openStore({ url: "memory:", env: {} });
  try {
    await saveInstance(scratch, instance);
    const config = await scratch.get(instance.name, CONFIG_KEY);
    const secrets = await scratch.get(instance.name, SECRETS_KEY);
    return { config: config!.value, secrets: secrets?.value ?? {} };
  } finally {
    await scratch.close();
  }
}

function lostRace(name: string): EntrakitError {
  return new EntrakitError(
    "conflict",
    `Instance "${name}" changed while it was being edited; nothing was saved.`,
    {
      hint: `Run the edit again (see the current values with entrakit instance show ${name}).`,
    },
  );
}

/** Edits a stored instance: validate, then compare-and-set both records; clears tokens when sign-in changed. */
export async function editInstance(store: Store, name: string, edit: InstanceEdit): Promise<EditOutcome> {
  const configBefore = await store.get(name, CONFIG_KEY);
  const secretsBefore: StoreEntry | undefined = await store.get(name, SECRETS_KEY);
  const current = await loadInstance(store, name);
  const outcome = applyEdit(current, edit);
  if (outcome.changed.length === 0 || !configBefore) return outcome;

  const records = await recordsOf(outcome.instance);
  const secretsWritten = await store.set(name, SECRETS_KEY, records.secrets, {
    seal: true,
    expectedVersion: secretsBefore?.version ?? 0,
  });
  if (!secretsWritten.ok) throw lostRace(name);
  const configWritten = await store.set(name, CONFIG_KEY, records.config, {
    expectedVersion: configBefore.version,
  });
  if (!configWritten.ok) {
    // Put the secrets back unless someone has written them since; the other writer's config stands.
    if (secretsBefore) {
      await store.set(name, SECRETS_KEY, secretsBefore.value, {
        seal: true,
        expectedVersion: secretsWritten.version,
      });
    } else await store.delete(name, SECRETS_KEY, { expectedVersion: secretsWritten.version });
    throw lostRace(name);
  }
  if (outcome.credentialsChanged) await resetAuth(store, name);
  return outcome;
}
