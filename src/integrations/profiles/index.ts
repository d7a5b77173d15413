/**
 * Reading the auth profiles: lookup, the seed's supported-flows table generated from them, the resources a
 * profile resolves to in a cloud, and the auth commands its flows call for. Pure.
 */
import { CLOUDS, type Cloud, type CloudId, customCloud } from "../../clouds/registry.ts";
import { apiBase, RESOURCE_FAMILIES, resourceFor, scopeFor, suffix } from "../../clouds/resources.ts";
import { EntrakitError } from "../../errors.ts";
import type { AuthFlow } from "../types.ts";
import { PROFILES } from "./table.ts";
import type { AuthCommandKind, IntegrationProfile, ProfileResource, SeedColumn } from "./types.ts";

export { PROFILES } from "./table.ts";
export type * from "./types.ts";

/** The seed's header, then how each flow column's yes/no comes from a profile. */
export const SEED_TITLE = "Supported Authentication Flows for Microsoft integrations";
export const NAME_COLUMN = "Integration Name";
const FLOW_COLUMNS: readonly { column: SeedColumn; supported: (profile: IntegrationProfile) => boolean }[] = [
  { column: "XSOAR Application", supported: (p) => p.flows.includes("vendor_app") },
  {
    column: "Client Credentials",
    supported: (p) =>
      p.flows.includes("client_credentials_secret") || p.flows.includes("client_credentials_certificate"),
  },
  { column: "Device Code", supported: (p) => p.flows.includes("device_code") },
  { column: "Auth code (redirect URI)", supported: (p) => p.flows.includes("authorization_code") },
  { column: "Azure Managed Identities", supported: (p) => p.flows.includes("managed_identity") },
  { column: "Supports National Clouds", supported: (p) => p.nationalClouds },
];
export const SEED_COLUMNS: readonly string[] = [NAME_COLUMN, ...FLOW_COLUMNS.map((entry) => entry.column)];

/** Both client-credential kinds are the seed's "support both client secret and certificate" qualifier. */
const BOTH_CREDENTIALS = "support both client secret and certificate";

export function seedCell(profile: IntegrationProfile, column: SeedColumn): string {
  const entry = FLOW_COLUMNS.find((candidate) => candidate.column === column)!;
  const base = entry.supported(profile) ? "yes" : "no";
  const bothCredentials =
    column === "Client Credentials" &&
    profile.flows.includes("client_credentials_secret") &&
    profile.flows.includes("client_credentials_certificate");
  const note = bothCredentials ? BOTH_CREDENTIALS : profile.seedNotes?.[column];
  return note ? `${base} - ${note}` : base;
}

/** One row per profile, keyed by the seed's column names, in the seed's order. */
export function supportedFlowsTable(
  profiles: readonly IntegrationProfile[] = PROFILES,
): Record<string, string>[] {
  return profiles.map((profile) => {
    const row: Record<string, string> = { [NAME_COLUMN]: profile.name };
    for (const { column } of FLOW_COLUMNS) row[column] = seedCell(profile, column);
    return row;
  });
}

export function supportedFlowsMarkdown(profiles: readonly IntegrationProfile[] = PROFILES): string {
  const rows = supportedFlowsTable(profiles).map((row) => SEED_COLUMNS.map((column) => row[column] ?? ""));
  const line = (cells: readonly string[]) =>
    `| ${cells.map((cell) => cell.replace(/\|/g, "\\|")).join(" | ")} |`;
  return [line(SEED_COLUMNS), line(SEED_COLUMNS.map(() => "---")), ...rows.map(line)].join("\n");
}

/** Ids, seed names and the aliases people type (`AzureRiskyUsers`) all match; case and punctuation aside. */
export function normaliseName(value: string): string {
  return value.toLowerCase().replace(/[^a-z0-9]/g, "");
}

/** A profile by id or seed name, or by prefix when only one profile uses it. */
export function findProfile(query: string): IntegrationProfile {
  const wanted = normaliseName(query);
  const exact = PROFILES.find((p) => normaliseName(p.id) === wanted || normaliseName(p.name) === wanted);
  if (exact) return exact;
  const byPrefix = PROFILES.filter((p) => normaliseName(p.prefix) === wanted);
  if (byPrefix.length === 1) return byPrefix[0]!;
  if (byPrefix.length > 1) {
    throw new EntrakitError("usage", `The prefix "${query}" is shared by several integrations.`, {
      hint: `Name one of them by id: ${byPrefix.map((p) => p.id).join(", ")}.`,
    });
  }
  throw new EntrakitError("usage", `Unknown integration "${query}".`, {
    hint: "Run `entrakit integrations` to list them; give an id such as azure-key-vault.",
  });
}

/** The cloud a profile's `CloudId` stands for; `custom` is shown as Worldwide with its hosts overridable. */
export function cloudFor(id: CloudId): Cloud {
  return id === "custom" ? customCloud({}, CLOUDS.com) : CLOUDS[id];
}

export interface ResolvedResource {
  name: string;
  /** The v1 `resource` (managed identity, v1 token endpoint). */
  resource: string;
  /** The v2 `.default` scope (client credentials). */
  scope: string;
  /** The API base; `{param}` marks a value taken from the instance (a tenant URL, an account). */
  api: string;
}

/** A profile's resources in one cloud; a configuration error when the cloud lacks one of them. */
export function resolveResources(profile: IntegrationProfile, cloud: Cloud): ResolvedResource[] {
  return profile.resources.map((resource) => resolveResource(resource, cloud));
}

function resolveResource(resource: ProfileResource, cloud: Cloud): ResolvedResource {
  if (resource.kind === "fixed") {
    return { name: resource.name, resource: resource.resource, scope: resource.scope, api: resource.api };
  }
  const base = RESOURCE_FAMILIES[resource.family].api
    ? apiBase(cloud, resource.family)
    : resource.family === "keyVault"
      ? `https://{vault_name}${suffix(cloud, "keyVaultDns")}`
      : `{${resource.apiParam ?? "url"}}`;
  return {
    name: resource.family,
    resource: resourceFor(cloud, resource.family),
    scope: scopeFor(cloud, resource.family),
    api: `${base}${resource.basePath}`,
  };
}

export interface AuthCommand {
  kind: AuthCommandKind;
  name: string;
  description: string;
}

/** Every flow the integration runs: the seed's row plus what entrakit adds (`extraFlows`). */
export function supportedFlows(profile: IntegrationProfile): readonly AuthFlow[] {
  return profile.extraFlows ? [...profile.flows, ...profile.extraFlows] : profile.flows;
}

/**
 * Which command each flow calls for (reference-auth-module §7), with the reference's descriptions:
 * `auth-test` only where the Test button cannot sign in (the interactive flows), `reset` whenever a token
 * is cached.
 */
const COMMANDS: readonly {
  kind: AuthCommandKind;
  when: (flows: readonly AuthFlow[]) => boolean;
  description: string;
}[] = [
  {
    kind: "start",
    when: (flows) => flows.includes("device_code"),
    description: "Starts the authorization process. Follow the instructions in the command results.",
  },
  {
    kind: "complete",
    when: (flows) => flows.includes("device_code"),
    description: "Completes the authorization process. Run this command after executing the {start} command.",
  },
  {
    kind: "loginUrl",
    when: (flows) => flows.includes("authorization_code"),
    description: "Generate the login url used for Authorization code flow.",
  },
  {
    kind: "test",
    when: (flows) => flows.includes("device_code") || flows.includes("authorization_code"),
    description: "Tests the connectivity to Azure.",
  },
  {
    kind: "reset",
    when: (flows) => flows.some((flow) => flow !== "managed_identity"),
    description: "Run this command if for some reason you need to rerun the authentication process.",
  },
];

const DEFAULT_SUFFIX: Readonly<Record<AuthCommandKind, string>> = {
  start: "auth-start",
  complete: "auth-complete",
  loginUrl: "generate-login-url",
  test: "auth-test",
  reset: "auth-reset",
};

/** The name of one auth command of a profile, as the reference names it. */
export function authCommandName(profile: IntegrationProfile, kind: AuthCommandKind): string {
  return profile.commandNames?.[kind] ?? `${profile.prefix}-${DEFAULT_SUFFIX[kind]}`;
}

/** Exactly the auth commands the profile's flows call for, named as the reference names them. */
export function authCommands(profile: IntegrationProfile): AuthCommand[] {
  const flows = supportedFlows(profile);
  return COMMANDS.filter((command) => command.when(flows)).map((command) => ({
    kind: command.kind,
    name: authCommandName(profile, command.kind),
    description: command.description.replace("{start}", authCommandName(profile, "start")),
  }));
}

/** Display names of the flows, as the seed and the reference's `authentication_type` say them. */
export const FLOW_NAMES: Readonly<Record<AuthFlow, string>> = {
  vendor_app: "XSOAR Application (vendor app)",
  client_credentials_secret: "Client Credentials (client secret)",
  client_credentials_certificate: "Client Credentials (certificate)",
  device_code: "Device Code",
  authorization_code: "Authorization Code",
  managed_identity: "Azure Managed Identities",
};

/**
 * The refusal for a flow a profile does not support: names the ones it does. Runtime code calls this
 * before any sign-in so an unsupported configuration fails at once.
 */
export function assertFlowSupported(profile: IntegrationProfile, flow: AuthFlow): void {
  const flows = supportedFlows(profile);
  if (flows.includes(flow)) return;
  const supported = flows.map((candidate) => FLOW_NAMES[candidate]).join(", ");
  throw new EntrakitError("configuration", `${profile.name} does not support ${FLOW_NAMES[flow]}.`, {
    hint: supported
      ? `Use one of: ${supported}.`
      : `${profile.name} signs in with ${profile.nonEntraAuth ?? "no Entra ID flow"} only.`,
  });
}
