/**
 * Which cloud an instance uses, compatible with the reference's `get_azure_cloud`:
 * 1. `azure_cloud` names a cloud (display name `US GCC-High` or id `gcc-high`, any case): that cloud.
 * 2. Empty or `Custom`: the legacy parameters, by presence even when empty, in this order: `server_url`
 *    (ARM host), `azure_ad_endpoint` (login host), `url`/`host` (Graph host), each over Worldwide.
 * 3. The deprecated `endpoint` abbreviation (`gcc-high`...), then `AZURE_AUTHORITY_HOST`: a known login host
 *    selects its cloud, any other host becomes a custom cloud's login (how tools aim at the emulator).
 * 4. Worldwide.
 * Then `endpoints` / `suffixes` overrides, if any, replace single values and make the cloud `custom`.
 * Unlike the reference, an unknown `azure_cloud` is an error rather than a silent fallback to Worldwide.
 */
import { EntrakitError } from "../errors.ts";
import {
  CLOUDS,
  type Cloud,
  type CloudId,
  customCloud,
  type EndpointName,
  KNOWN_CLOUD_IDS,
  type SuffixName,
} from "./registry.ts";

const PUBLIC_LOGIN = "https://login.microsoftonline.com";
const PUBLIC_ARM = "https://management.azure.com";
const PUBLIC_GRAPH = "https://graph.microsoft.com";

export interface CloudParams {
  /** `Worldwide`, `US GCC`, `US GCC-High`, `DoD`, `Germany`, `China`, `Custom`, or an id such as `gcc-high`. */
  azure_cloud?: string | undefined;
  server_url?: string | undefined;
  azure_ad_endpoint?: string | undefined;
  url?: string | undefined;
  host?: string | undefined;
  /** Deprecated: a cloud abbreviation; `__NA__` means unset. */
  endpoint?: string | undefined;
  /** Any endpoint replaced (makes the cloud custom). */
  endpoints?: Partial<Record<EndpointName, string>> | undefined;
  suffixes?: Partial<Record<SuffixName, string>> | undefined;
}

/** Finds a national cloud by display name or id, case-insensitively. `Custom` is not a lookup target. */
export function cloudByName(name: string): Cloud | undefined {
  const wanted = name.trim().toLowerCase();
  return KNOWN_CLOUD_IDS.map((id) => CLOUDS[id]).find(
    (cloud) => cloud.id === wanted || cloud.displayName.toLowerCase() === wanted,
  );
}

export function selectCloud(
  params: Readonly<CloudParams>,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Cloud {
  const base = baseCloud(params, env);
  if (!params.endpoints && !params.suffixes) return base;
  return customCloud({ endpoints: params.endpoints ?? {}, suffixes: params.suffixes ?? {} }, base);
}

function baseCloud(params: Readonly<CloudParams>, env: Readonly<Record<string, string | undefined>>): Cloud {
  const name = (params.azure_cloud ?? "").trim();
  if (name !== "" && name.toLowerCase() !== "custom") {
    const cloud = cloudByName(name);
    if (!cloud) throw unknownCloud(name);
    return cloud;
  }
  if (has(params, "server_url")) {
    return customCloud({ endpoints: { resourceManager: params.server_url || PUBLIC_ARM } });
  }
  if (has(params, "azure_ad_endpoint")) {
    return customCloud({ endpoints: { login: params.azure_ad_endpoint || PUBLIC_LOGIN } });
  }
  if (has(params, "url") || has(params, "host")) {
    return customCloud({ endpoints: { graph: params.url || params.host || PUBLIC_GRAPH } });
  }
  const legacy = (params.endpoint ?? "").trim();
  if (legacy !== "" && legacy !== "__NA__") {
    const cloud = cloudByName(legacy);
    if (!cloud) throw unknownCloud(legacy);
    return cloud;
  }
  const authority = env.AZURE_AUTHORITY_HOST?.trim();
  if (authority) return cloudForAuthorityHost(authority);
  return CLOUDS.com;
}

/**
 * A known login host selects its cloud (the first that uses it: Worldwide before GCC, GCC-High before
 * DoD); any other host is a custom cloud over Worldwide with that login.
 */
export function cloudForAuthorityHost(authorityHost: string): Cloud {
  const host = authorityHost.replace(/\/+$/, "").toLowerCase();
  const known = KNOWN_CLOUD_IDS.map((id) => CLOUDS[id]).find((cloud) => cloud.endpoints.login === host);
  return known ?? customCloud({ endpoints: { login: authorityHost.replace(/\/+$/, "") } });
}

export function isCloudId(value: string): value is CloudId {
  return value === "custom" || (KNOWN_CLOUD_IDS as string[]).includes(value);
}

function has(params: Readonly<CloudParams>, key: keyof CloudParams): boolean {
  return Object.hasOwn(params, key) && params[key] !== undefined;
}

function unknownCloud(name: string): EntrakitError {
  const names = KNOWN_CLOUD_IDS.map((id) => CLOUDS[id].displayName).join(", ");
  return new EntrakitError("configuration", `Unknown Azure cloud '${name}'.`, {
    hint: `Set azure_cloud to one of: ${names}, or Custom with the endpoints to use.`,
  });
}
