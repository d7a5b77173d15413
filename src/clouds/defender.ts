/**
 * Microsoft Defender for Endpoint's "Endpoint Type" (geo and government variants) and Defender for Cloud
 * Apps' types, as data, plus the reference's base-URL resolution with its exact messages. An endpoint type
 * becomes a cloud whose Defender, login and Graph endpoints come from this table.
 */
import { EntrakitError } from "../errors.ts";
import { CLOUDS, type Cloud, type CloudId, customCloud } from "./registry.ts";

export type DefenderEndpointKey = "com" | "geo-us" | "geo-eu" | "geo-uk" | "gcc" | "gcc-high" | "dod";

export interface DefenderEndpointType {
  key: DefenderEndpointKey;
  displayName: string;
  /** The national cloud whose other endpoints apply. */
  cloud: Exclude<CloudId, "custom" | "cn" | "de">;
  api: string;
  login: string;
  graph: string;
  /** Host of the `windowsatpservice` scope. */
  aptService: string;
}

export const DEFENDER_ENDPOINT_TYPES: readonly DefenderEndpointType[] = [
  {
    key: "com",
    displayName: "Worldwide",
    cloud: "com",
    api: "https://api.securitycenter.microsoft.com",
    login: "https://login.microsoftonline.com",
    graph: "https://graph.microsoft.com",
    aptService: "https://securitycenter.onmicrosoft.com",
  },
  {
    key: "geo-us",
    displayName: "US Geo Proximity",
    cloud: "com",
    api: "https://api.securitycenter.microsoft.com",
    login: "https://login.microsoftonline.com",
    graph: "https://graph.microsoft.com",
    aptService: "https://securitycenter.onmicrosoft.com",
  },
  {
    key: "geo-eu",
    displayName: "EU Geo Proximity",
    cloud: "com",
    api: "https://api-eu.securitycenter.microsoft.com",
    login: "https://login.microsoftonline.com",
    graph: "https://graph.microsoft.com",
    aptService: "https://securitycenter.onmicrosoft.com",
  },
  {
    key: "geo-uk",
    displayName: "UK Geo Proximity",
    cloud: "com",
    api: "https://api-uk.securitycenter.microsoft.com",
    login: "https://login.microsoftonline.com",
    graph: "https://graph.microsoft.com",
    aptService: "https://securitycenter.onmicrosoft.com",
  },
  {
    key: "gcc",
    displayName: "US GCC",
    cloud: "gcc",
    api: "https://api-gcc.securitycenter.microsoft.us",
    login: "https://login.microsoftonline.com",
    graph: "https://graph.microsoft.com",
    aptService: "https://securitycenter.onmicrosoft.com",
  },
  {
    key: "gcc-high",
    displayName: "US GCC-High",
    cloud: "gcc-high",
    api: "https://api-gov.securitycenter.microsoft.us",
    login: "https://login.microsoftonline.us",
    graph: "https://graph.microsoft.us",
    aptService: "https://securitycenter.onmicrosoft.us",
  },
  {
    key: "dod",
    displayName: "DoD",
    cloud: "dod",
    api: "https://api-gov.securitycenter.microsoft.us",
    login: "https://login.microsoftonline.us",
    graph: "https://dod-graph.microsoft.us",
    aptService: "https://securitycenter.onmicrosoft.us",
  },
];

/** Finds a type by display name (`EU Geo Proximity`) or key (`geo-eu`), case-insensitively. */
export function defenderEndpointType(name: string): DefenderEndpointType | undefined {
  const wanted = name.trim().toLowerCase();
  return DEFENDER_ENDPOINT_TYPES.find(
    (type) => type.key === wanted || type.displayName.toLowerCase() === wanted,
  );
}

export interface DefenderEndpointSelection {
  /** The reference's `endpoint_type` display name (`Worldwide`, `EU Geo Proximity`, `Custom`...). */
  endpointType?: string | undefined;
  /** The `url` parameter: a custom API base. */
  url?: string | undefined;
  /** The legacy "is GCC" checkbox: forces US GCC. */
  isGcc?: boolean | undefined;
}

/**
 * The reference's `microsoft_defender_for_endpoint_get_base_url`: the endpoint key and API base URL. A
 * given URL wins over the type's host; Custom or no type without a URL is an error with its exact text.
 */
export function defenderBaseUrl(selection: DefenderEndpointSelection): {
  key: DefenderEndpointKey;
  url: string;
} {
  const name = selection.isGcc ? "US GCC" : (selection.endpointType ?? "").trim();
  const url = selection.url?.trim() || undefined;
  if ((name === "" || name.toLowerCase() === "custom") && !url) {
    throw new EntrakitError(
      "configuration",
      name === ""
        ? "'Endpoint Type' is not set and no URL was provided."
        : "Endpoint type is set to 'Custom' but no URL was provided.",
      { hint: "Choose an Endpoint Type, or give the API URL in the url parameter." },
    );
  }
  const type = name === "" || name.toLowerCase() === "custom" ? undefined : defenderEndpointType(name);
  if (name !== "" && name.toLowerCase() !== "custom" && !type) throw unknownType(name);
  const chosen = type ?? DEFENDER_ENDPOINT_TYPES[0]!;
  return { key: chosen.key, url: url ?? chosen.api };
}

/**
 * The cloud for a Defender for Endpoint configuration: the type's national cloud with its Defender API,
 * scope host, login and Graph hosts; a custom URL replaces the API host (making the cloud `custom`).
 */
export function cloudForDefender(selection: DefenderEndpointSelection): Cloud {
  const { key, url } = defenderBaseUrl(selection);
  const type = DEFENDER_ENDPOINT_TYPES.find((candidate) => candidate.key === key)!;
  const base = CLOUDS[type.cloud];
  const endpoints = {
    login: type.login,
    graph: `${type.graph}/`,
    defenderForEndpoint: url,
    defenderAptService: type.aptService,
  };
  const cloud = customCloud({ endpoints }, base);
  return url === type.api ? { ...cloud, id: base.id, displayName: base.displayName } : cloud;
}

function unknownType(name: string): EntrakitError {
  const names = DEFENDER_ENDPOINT_TYPES.map((type) => type.displayName).join(", ");
  return new EntrakitError("configuration", `Unknown Defender for Endpoint endpoint type '${name}'.`, {
    hint: `Use one of: ${names}, or Custom with a URL.`,
  });
}

/** Defender for Cloud Apps' own endpoint types (the reference's "Application" table). */
export interface DefenderForCloudAppsType {
  key: "com" | "gcc" | "gcc-high";
  displayName: string;
  /** The device-code resource the reference uses for this type. */
  api: string;
  login: string;
}

export const DEFENDER_FOR_CLOUD_APPS_TYPES: readonly DefenderForCloudAppsType[] = [
  {
    key: "com",
    displayName: "Worldwide",
    api: "https://api.securitycenter.microsoft.com",
    login: "https://login.microsoftonline.com",
  },
  {
    key: "gcc",
    displayName: "US GCC",
    api: "https://api-gcc.securitycenter.microsoft.us",
    login: "https://login.microsoftonline.com",
  },
  {
    key: "gcc-high",
    displayName: "US GCC-High",
    api: "https://api-gcc.securitycenter.microsoft.us",
    login: "https://login.microsoftonline.us",
  },
];

/** The Defender for Cloud Apps resource application; its scope is the same in every cloud. */
export const DEFENDER_FOR_CLOUD_APPS_APP_ID = "05a65629-4c1b-48c1-a78b-804c4abdd4af";
