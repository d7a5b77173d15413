/**
 * Where an instance's requests go and what its tokens are for. The sign-in cloud takes only the
 * non-API endpoint overrides (`login` ...); an override of a resource's API endpoint (`graph`,
 * `resourceManager`, `logAnalytics`, `defenderForEndpoint`, `microsoft365Defender`, `o365Management` ...)
 * moves the API host only, so the token audience stays the real resource of the selected cloud
 * (`https://management.azure.com/`), as the emulator issues it. Per-vault, per-account and per-tenant API
 * bases come from instance parameters (`{vault_name}`, `{url}` ...); a parameter holding a whole URL
 * replaces the host part, which is how such an instance targets the emulator. Pure.
 */

import { cloudForDefender } from "../clouds/defender.ts";
import { CLOUDS, type Cloud, customCloud, type EndpointName, KNOWN_CLOUD_IDS } from "../clouds/registry.ts";
import { RESOURCE_FAMILIES } from "../clouds/resources.ts";
import { type CloudParams, selectCloud } from "../clouds/select.ts";
import { EntrakitError } from "../errors.ts";
import type { TokenAudience } from "../http/authorized.ts";
import { resolveResources } from "../integrations/profiles/index.ts";
import type { IntegrationDefinition } from "../integrations/types.ts";
import type { EndpointOverrides, Instance } from "./instances.ts";
import { type ParameterValues, textParam } from "./parameters.ts";

/** Endpoints that are some resource family's API host: overriding one never changes an audience. */
export const API_ENDPOINTS: ReadonlySet<EndpointName> = new Set(
  Object.values(RESOURCE_FAMILIES)
    .map((family) => family.api)
    .filter((name) => name !== undefined),
);

/** The endpoint overrides that shape the sign-in cloud (everything but API hosts). */
function signInOverrides(endpoints: EndpointOverrides): EndpointOverrides {
  return Object.fromEntries(
    Object.entries(endpoints).filter(([name]) => !API_ENDPOINTS.has(name as EndpointName)),
  );
}

/**
 * The instance's cloud for sign-in and audiences; API host overrides are left out (see `resourceTarget`).
 * A Defender `endpoint_type` (or the legacy `is_gcc`) picks the Defender cloud: API, scope, login, Graph.
 */
export function instanceCloud(instance: Instance): Cloud {
  const auth = signInOverrides(instance.endpoints);
  const p = instance.params;
  const isGcc = p.is_gcc === true || textParam(p.is_gcc).toLowerCase() === "true";
  if (textParam(p.endpoint_type) !== "" || isGcc) {
    const base = cloudForDefender({
      endpointType: textParam(p.endpoint_type),
      url: textParam(p.url),
      isGcc,
    });
    return Object.keys(auth).length > 0 ? customCloud({ endpoints: auth }, base) : base;
  }
  return selectCloud({
    ...legacyCloudParams(p),
    ...(Object.keys(auth).length > 0 ? { endpoints: auth } : {}),
  });
}

/** National clouds by the origin of their Microsoft Graph host (`https://graph.microsoft.us` → GCC High). */
const CLOUD_BY_GRAPH_ORIGIN: ReadonlyMap<string, string> = new Map(
  KNOWN_CLOUD_IDS.toReversed().flatMap((id) => {
    const graph = CLOUDS[id].endpoints.graph;
    return graph && !CLOUDS[id].retired ? [[new URL(graph).origin, id] as const] : [];
  }),
);

function originOf(value: string): string | undefined {
  try {
    return new URL(value).origin;
  } catch {
    return undefined;
  }
}

/**
 * `azure_cloud`, and when it is empty or Custom the reference's legacy cloud parameters in its order
 * (clouds/select.ts): `server_url` (the ARM host), then `azure_ad_endpoint` (the sign-in host), then `url` /
 * `host` when they name a cloud's Microsoft Graph host. For the last, entrakit selects that whole cloud
 * (O365 Outlook Mail with `https://graph.microsoft.us` signs in at login.microsoftonline.us), where the
 * reference kept the worldwide sign-in host; a `url` that is not a Graph host is the integration's own API
 * address (Defender, Cloud Apps) and selects nothing.
 */
function legacyCloudParams(p: ParameterValues): CloudParams {
  const azureCloud = textParam(p.azure_cloud);
  if (azureCloud !== "" && azureCloud.toLowerCase() !== "custom") return { azure_cloud: azureCloud };
  if (textParam(p.server_url) !== "") return { azure_cloud: azureCloud, server_url: textParam(p.server_url) };
  if (textParam(p.azure_ad_endpoint) !== "") {
    return { azure_cloud: azureCloud, azure_ad_endpoint: textParam(p.azure_ad_endpoint).replace(/\/+$/, "") };
  }
  for (const key of ["url", "host"] as const) {
    const origin = originOf(textParam(p[key]));
    const cloud = origin ? CLOUD_BY_GRAPH_ORIGIN.get(origin) : undefined;
    if (cloud) return { azure_cloud: cloud };
  }
  return { azure_cloud: azureCloud };
}

export interface ResourceTarget {
  name: string;
  /** API base (with the version path) requests go to. */
  baseUrl: string;
  /** The v2 `.default` scope of the real resource. */
  audience: TokenAudience & { scopes: string[] };
  /** The v1 resource as the cloud tables write it (`https://graph.microsoft.com/`): what IMDS is asked for. */
  resource: string;
}

const PLACEHOLDER = /\{([A-Za-z0-9_]+)\}/g;
const ABSOLUTE = /^https?:\/\//i;

function needParam(definition: IntegrationDefinition, name: string): EntrakitError {
  return new EntrakitError(
    "configuration",
    `${definition.display} needs the ${name} parameter for its API address.`,
    {
      hint: `Set --param ${name}=... on the instance (a whole https:// URL is used as the address).`,
    },
  );
}

/**
 * Fills `{param}` from the instance. A value that is a whole URL replaces the template up to the end of
 * the placeholder's host (`https://{vault_name}.vault.azure.net` + `http://127.0.0.1:1/kv` → that URL).
 */
export function fillTemplate(
  template: string,
  params: ParameterValues,
  definition: IntegrationDefinition,
  encode = false,
): string {
  for (const match of template.matchAll(PLACEHOLDER)) {
    const value = textParam(params[match[1]!]);
    if (ABSOLUTE.test(value)) {
      const after = template.slice(match.index + match[0].length);
      const slash = after.indexOf("/");
      const rest = slash < 0 ? "" : after.slice(slash);
      return `${value.replace(/\/+$/, "")}${fillTemplate(rest, params, definition, encode)}`;
    }
  }
  return template.replace(PLACEHOLDER, (_all, name: string) => {
    const value = textParam(params[name]);
    if (!value) throw needParam(definition, name);
    return encode ? encodeURIComponent(value) : value;
  });
}

/** `http://127.0.0.1:PORT/<real host>/...`: an address on the emulator (runtime/emulator-endpoints.ts). */
const EMULATED =
  /^http:\/\/(?:127\.0\.0\.1|localhost|\[::1\])(?::\d+)?\/(?=[a-z0-9-]+(?:\.[a-z0-9-]+)+(?:\/|$))/i;

/**
 * An address parameter aimed at the emulator keeps the real address's audience (Azure Data Explorer's
 * scope is its cluster URL), as an API endpoint override does.
 */
function realAddresses(params: ParameterValues): ParameterValues {
  return Object.fromEntries(
    Object.entries(params).map(([name, value]) => [
      name,
      typeof value === "string" ? value.replace(EMULATED, "https://") : value,
    ]),
  );
}

/** The instance's target for one of its profile's resources (the first is the default audience). */
export function resourceTarget(
  definition: IntegrationDefinition,
  instance: Instance,
  cloud: Cloud,
  index = 0,
): ResourceTarget {
  const spec = definition.profile.resources[index];
  if (!spec) {
    throw new EntrakitError("configuration", `${definition.display} has no resource API to call.`, {
      hint: "Use one of its auth commands instead.",
    });
  }
  const resolved = resolveResources({ ...definition.profile, resources: [spec] }, cloud)[0]!;
  let api = resolved.api;
  if (spec.kind === "family") {
    const name = RESOURCE_FAMILIES[spec.family].api;
    const override = name ? instance.endpoints[name] : undefined;
    if (override) api = `${override}${spec.basePath}`;
  }
  const audienceParams = realAddresses(instance.params);
  const scope = fillTemplate(resolved.scope, audienceParams, definition);
  return {
    name: resolved.name,
    baseUrl: fillTemplate(api, instance.params, definition),
    audience: { scopes: [scope.replace(/^(https?:\/\/[^/]+)\/+\.default$/, "$1/.default")] },
    resource: fillTemplate(resolved.resource, audienceParams, definition),
  };
}
