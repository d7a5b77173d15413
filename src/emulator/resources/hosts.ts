/**
 * The real API hosts the emulator serves under a path prefix (`<emulator>/<host>/<path>`), as data: which
 * API family answers there, in which cloud, and which token audiences it accepts. National-cloud hosts
 * accept only their own cloud's audience, as the real services do. `src/runtime/emulator-endpoints.ts`
 * builds a Custom cloud's overrides from the same scheme; `toEmulatorUrl` maps one URL (or a per-vault,
 * per-account template) to where the emulator serves it. Pure.
 */
import { DEFENDER_ENDPOINT_APP_ID } from "../well-known.ts";

export type ResourceApiFamily =
  | "arm"
  | "keyVault"
  | "logAnalytics"
  | "o365Management"
  | "dataExplorer"
  | "devOps"
  | "cloudApps"
  | "microsoft365Defender"
  | "storage"
  | "defenderForEndpoint";

export interface ServedHost {
  /** Exact host, or `*.` + suffix where the first labels name a vault, cluster, account or tenant. */
  host: string;
  family: ResourceApiFamily;
  cloud: "com" | "usgov" | "cn";
  /**
   * Token audiences accepted here (compared without a trailing slash, case-insensitive). `{host}` stands
   * for the request's own host (Azure Data Explorer and Storage accept their own URL as audience).
   */
  audiences: readonly string[];
  /** The module that serves the host when it is not `resources` (Defender for Endpoint has its own). */
  module?: string;
}

/** The sign-in host a 401 challenge names, per cloud. */
export const LOGIN_HOSTS: Readonly<Record<ServedHost["cloud"], string>> = {
  com: "https://login.microsoftonline.com",
  usgov: "https://login.microsoftonline.us",
  cn: "https://login.chinacloudapi.cn",
};

const ARM_COM = ["https://management.azure.com/", "https://management.core.windows.net/"];
const ARM_GOV = ["https://management.usgovcloudapi.net/", "https://management.core.usgovcloudapi.net/"];
const ARM_CN = ["https://management.chinacloudapi.cn/", "https://management.core.chinacloudapi.cn/"];
const DEFENDER = [
  "https://api.securitycenter.microsoft.com",
  "https://securitycenter.onmicrosoft.com/windowsatpservice",
  DEFENDER_ENDPOINT_APP_ID,
];
const DEFENDER_GOV = [
  "https://api-gov.securitycenter.microsoft.us",
  "https://api-gcc.securitycenter.microsoft.us",
  "https://securitycenter.onmicrosoft.us/windowsatpservice",
  "https://securitycenter.onmicrosoft.com/windowsatpservice",
  DEFENDER_ENDPOINT_APP_ID,
];
const CLOUD_APPS = ["05a65629-4c1b-48c1-a78b-804c4abdd4af"];
const STORAGE = ["https://storage.azure.com/", "https://{host}"];

export const SERVED_HOSTS: readonly ServedHost[] = [
  { host: "management.azure.com", family: "arm", cloud: "com", audiences: ARM_COM },
  { host: "management.usgovcloudapi.net", family: "arm", cloud: "usgov", audiences: ARM_GOV },
  { host: "management.chinacloudapi.cn", family: "arm", cloud: "cn", audiences: ARM_CN },
  { host: "*.vault.azure.net", family: "keyVault", cloud: "com", audiences: ["https://vault.azure.net"] },
  {
    host: "*.vault.usgovcloudapi.net",
    family: "keyVault",
    cloud: "usgov",
    audiences: ["https://vault.usgovcloudapi.net"],
  },
  { host: "*.vault.azure.cn", family: "keyVault", cloud: "cn", audiences: ["https://vault.azure.cn"] },
  {
    host: "api.loganalytics.io",
    family: "logAnalytics",
    cloud: "com",
    audiences: ["https://api.loganalytics.io"],
  },
  {
    host: "api.loganalytics.us",
    family: "logAnalytics",
    cloud: "usgov",
    audiences: ["https://api.loganalytics.us"],
  },
  {
    host: "api.loganalytics.azure.cn",
    family: "logAnalytics",
    cloud: "cn",
    audiences: ["https://api.loganalytics.azure.cn"],
  },
  {
    host: "manage.office.com",
    family: "o365Management",
    cloud: "com",
    audiences: ["https://manage.office.com"],
  },
  {
    host: "manage-gcc.office.com",
    family: "o365Management",
    cloud: "usgov",
    audiences: ["https://manage-gcc.office.com"],
  },
  {
    host: "manage.office365.us",
    family: "o365Management",
    cloud: "usgov",
    audiences: ["https://manage.office365.us"],
  },
  {
    host: "manage.protection.apps.mil",
    family: "o365Management",
    cloud: "usgov",
    audiences: ["https://manage.protection.apps.mil"],
  },
  {
    host: "*.kusto.windows.net",
    family: "dataExplorer",
    cloud: "com",
    audiences: ["https://{host}", "https://kusto.kusto.windows.net"],
  },
  {
    host: "*.kusto.usgovcloudapi.net",
    family: "dataExplorer",
    cloud: "usgov",
    audiences: ["https://{host}"],
  },
  { host: "*.kusto.chinacloudapi.cn", family: "dataExplorer", cloud: "cn", audiences: ["https://{host}"] },
  {
    host: "dev.azure.com",
    family: "devOps",
    cloud: "com",
    audiences: ["499b84ac-1321-427f-aa17-267ca6975798", "https://app.vssps.visualstudio.com"],
  },
  { host: "*.portal.cloudappsecurity.com", family: "cloudApps", cloud: "com", audiences: CLOUD_APPS },
  { host: "*.portal.cloudappsecurity.us", family: "cloudApps", cloud: "usgov", audiences: CLOUD_APPS },
  {
    host: "api.security.microsoft.com",
    family: "microsoft365Defender",
    cloud: "com",
    audiences: ["https://api.security.microsoft.com", "https://security.microsoft.com/mtp"],
  },
  ...(["blob", "file", "queue", "table"] as const).map(
    (service): ServedHost => ({
      host: `*.${service}.core.windows.net`,
      family: "storage",
      cloud: "com",
      audiences: STORAGE,
    }),
  ),
  ...[
    "api.securitycenter.microsoft.com",
    "api-us.securitycenter.microsoft.com",
    "api-eu.securitycenter.microsoft.com",
    "api-uk.securitycenter.microsoft.com",
  ].map(
    (host): ServedHost => ({
      host,
      family: "defenderForEndpoint",
      cloud: "com",
      audiences: DEFENDER,
      module: "defender-endpoint",
    }),
  ),
  ...["api-gcc.securitycenter.microsoft.us", "api-gov.securitycenter.microsoft.us"].map(
    (host): ServedHost => ({
      host,
      family: "defenderForEndpoint",
      cloud: "usgov",
      audiences: DEFENDER_GOV,
      module: "defender-endpoint",
    }),
  ),
];

const LABEL = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

/** The served host a request's first path segment names, exact hosts first. */
export function matchServedHost(host: string): ServedHost | undefined {
  const lower = host.toLowerCase();
  const exact = SERVED_HOSTS.find((entry) => entry.host === lower);
  if (exact) return exact;
  return SERVED_HOSTS.find((entry) => {
    if (!entry.host.startsWith("*.")) return false;
    const suffix = entry.host.slice(1);
    if (!lower.endsWith(suffix) || lower.length === suffix.length) return false;
    return lower
      .slice(0, -suffix.length)
      .split(".")
      .every((label) => LABEL.test(label));
  });
}

/** Whether a token audience is accepted at a served host (`{host}` expanded to the request's host). */
export function audienceAccepted(entry: ServedHost, requestHost: string, audience: string): boolean {
  const wanted = normalise(audience);
  return entry.audiences.some((candidate) => normalise(candidate.replace("{host}", requestHost)) === wanted);
}

function normalise(value: string): string {
  return value.replace(/\/+$/, "").toLowerCase();
}

/**
 * A real URL as the emulator serves it: `https://management.azure.com/x` → `<emulator>/management.azure.com/x`.
 * Templates keep their placeholders (`https://{vault_name}.vault.azure.net` → `<emulator>/{vault_name}.vault.azure.net`).
 */
export function toEmulatorUrl(emulatorUrl: string, realUrl: string): string {
  const base = emulatorUrl.replace(/\/+$/, "");
  const rest = realUrl.replace(/^https?:\/\//i, "");
  return `${base}/${rest}`;
}
