/**
 * Endpoint, v1 resource and v2 scope derivation per resource family. Every scope is built from the chosen
 * cloud's host, never from a hard-coded public one. Pure.
 */
import { EntrakitError } from "../errors.ts";
import { DEFENDER_FOR_CLOUD_APPS_APP_ID } from "./defender.ts";
import type { Cloud, EndpointName, SuffixName } from "./registry.ts";

export type ResourceFamily =
  | "graph"
  | "arm"
  | "management"
  | "keyVault"
  | "logAnalytics"
  | "appInsights"
  | "o365Management"
  | "exchangeOnline"
  | "defenderForEndpoint"
  | "microsoft365Defender"
  | "defenderForCloudApps";

interface FamilySpec {
  /** The API base, when the family has a fixed one (Key Vault and Cloud Apps are per vault / tenant). */
  api?: EndpointName;
  /** The token audience: an endpoint of the cloud, or a resource application id. */
  resource: EndpointName | { appId: string };
  /** Where the scope's host comes from when it differs from the resource (Defender's APT service). */
  scopeHost?: EndpointName;
  /** A path between the host and the permission (`windowsatpservice`). */
  scopePath?: string;
}

export const RESOURCE_FAMILIES: Readonly<Record<ResourceFamily, FamilySpec>> = {
  graph: { api: "graph", resource: "graph" },
  arm: { api: "resourceManager", resource: "resourceManager" },
  management: { resource: "management" },
  keyVault: { resource: "keyVault" },
  logAnalytics: { api: "logAnalytics", resource: "logAnalytics" },
  appInsights: { api: "appInsights", resource: "appInsights" },
  o365Management: { api: "o365Management", resource: "o365Management" },
  exchangeOnline: { api: "exchangeOnline", resource: "exchangeOnline" },
  defenderForEndpoint: {
    api: "defenderForEndpoint",
    resource: "defenderForEndpoint",
    scopeHost: "defenderAptService",
    scopePath: "windowsatpservice",
  },
  microsoft365Defender: {
    api: "microsoft365Defender",
    resource: "microsoft365Defender",
    scopeHost: "microsoft365DefenderScope",
  },
  defenderForCloudApps: { resource: { appId: DEFENDER_FOR_CLOUD_APPS_APP_ID } },
};

/** An endpoint of the cloud, exactly as tabled, or a configuration error naming it and the cloud. */
export function endpoint(cloud: Cloud, name: EndpointName): string {
  const value = cloud.endpoints[name];
  if (value) return value;
  throw new EntrakitError(
    "configuration",
    `The ${name} endpoint is not available in the ${cloud.displayName} cloud.`,
    {
      hint: `Choose the cloud that hosts it, or use a Custom cloud that sets the ${name} endpoint.`,
    },
  );
}

export function suffix(cloud: Cloud, name: SuffixName): string {
  const value = cloud.suffixes[name];
  if (value) return value;
  throw new EntrakitError(
    "configuration",
    `The ${name} suffix is not available in the ${cloud.displayName} cloud.`,
    {
      hint: `Choose the cloud that hosts it, or use a Custom cloud that sets the ${name} suffix.`,
    },
  );
}

export function hasEndpoint(cloud: Cloud, name: EndpointName): boolean {
  return Boolean(cloud.endpoints[name]);
}

/** The login host without a trailing slash (`https://login.microsoftonline.us`). */
export function authorityHost(cloud: Cloud): string {
  return trimSlash(endpoint(cloud, "login"));
}

/** The API base URL of a family, without a trailing slash. */
export function apiBase(cloud: Cloud, family: ResourceFamily): string {
  const spec = RESOURCE_FAMILIES[family];
  if (!spec.api) {
    throw new EntrakitError(
      "configuration",
      `${family} has no fixed API host; it is per vault or per tenant.`,
      {
        hint: family === "keyVault" ? "Use keyVaultUrl(cloud, vaultName)." : "Give the tenant's API URL.",
      },
    );
  }
  return trimSlash(endpoint(cloud, spec.api));
}

/** The v1 `resource` value (managed identity, v1 token endpoint), exactly as tabled. */
export function resourceFor(cloud: Cloud, family: ResourceFamily): string {
  const spec = RESOURCE_FAMILIES[family];
  return typeof spec.resource === "string" ? endpoint(cloud, spec.resource) : spec.resource.appId;
}

/** One v2 scope: `<host>[/<path>]/<permission>`; `.default` unless a permission is named. */
export function scopeFor(cloud: Cloud, family: ResourceFamily, permission = ".default"): string {
  const spec = RESOURCE_FAMILIES[family];
  const host =
    typeof spec.resource === "string"
      ? trimSlash(endpoint(cloud, spec.scopeHost ?? spec.resource))
      : spec.resource.appId;
  return spec.scopePath ? `${host}/${spec.scopePath}/${permission}` : `${host}/${permission}`;
}

/** Several delegated permissions of one family, e.g. for a device code sign-in. */
export function scopesFor(cloud: Cloud, family: ResourceFamily, permissions: readonly string[]): string[] {
  return permissions.map((permission) => scopeFor(cloud, family, permission));
}

/** `https://<vault><keyVaultDns>` for a vault name, validated (3-24 letters, digits, hyphens). */
export function keyVaultUrl(cloud: Cloud, vaultName: string): string {
  if (!/^[A-Za-z][A-Za-z0-9-]{1,22}[A-Za-z0-9]$/.test(vaultName)) {
    throw new EntrakitError("usage", `'${vaultName}' is not a valid Key Vault name.`, {
      hint: "A vault name has 3-24 letters, digits and hyphens, starts with a letter and ends with a letter or digit.",
    });
  }
  return `https://${vaultName.toLowerCase()}${suffix(cloud, "keyVaultDns")}`;
}

/**
 * The admin consent URL for an application in a tenant, on the cloud's login host. A tenant administrator
 * opens it to grant the application's configured permissions.
 */
export function adminConsentUrl(
  cloud: Cloud,
  tenant: string,
  clientId: string,
  redirectUri?: string,
): string {
  const url = new URL(
    `${authorityHost(cloud)}/${encodeURIComponent(tenant || "organizations")}/adminconsent`,
  );
  url.searchParams.set("client_id", clientId);
  if (redirectUri) url.searchParams.set("redirect_uri", redirectUri);
  return url.toString();
}

function trimSlash(value: string): string {
  return value.replace(/\/+$/, "");
}
