/**
 * The environment variables a real client reads to find each managed identity source, pointed at the
 * emulator. msal-node and @azure/identity pick the source from these (App Service: IDENTITY_ENDPOINT +
 * IDENTITY_HEADER; Arc: IDENTITY_ENDPOINT + IMDS_ENDPOINT; Cloud Shell: MSI_ENDPOINT; IMDS: the host
 * override AZURE_POD_IDENTITY_AUTHORITY_HOST, to which they append `/metadata/identity/oauth2/token`).
 */
import { SOURCES, type SourceName } from "./sources.ts";

export interface EnvironmentInput {
  /** Emulator base URL without a trailing slash. */
  baseUrl: string;
  /** Simulated VM; undefined means whichever VM is current when the request arrives. */
  vm?: string | undefined;
  identityHeader: string;
}

function sourcePath(name: SourceName): string {
  return SOURCES.find((source) => source.name === name)!.path;
}

export function clientEnvironment(source: SourceName, input: EnvironmentInput): Record<string, string> {
  const host = input.vm === undefined ? input.baseUrl : `${input.baseUrl}/vm/${encodeURIComponent(input.vm)}`;
  switch (source) {
    case "imds":
      return { AZURE_POD_IDENTITY_AUTHORITY_HOST: host };
    case "app-service":
      return { IDENTITY_ENDPOINT: `${host}${sourcePath(source)}`, IDENTITY_HEADER: input.identityHeader };
    case "azure-arc":
      return { IDENTITY_ENDPOINT: `${host}${sourcePath(source)}`, IMDS_ENDPOINT: host };
    case "cloud-shell":
      return { MSI_ENDPOINT: `${host}${sourcePath(source)}` };
  }
}
