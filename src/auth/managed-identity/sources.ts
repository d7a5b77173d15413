/**
 * The managed identity sources entrakit supports and how each is found and called, as a table. Detection
 * follows msal-node's order (App Service, Cloud Shell, Azure Arc, then IMDS); the first match wins.
 */
import type { AuthHttpRequest } from "../transport.ts";
import { IMDS_RETRY, type RetryPolicy, SOURCE_RETRY } from "./retry.ts";

export type ManagedIdentitySourceName = "app-service" | "cloud-shell" | "azure-arc" | "imds";

/** Which user-assigned identity to use; absent means the system-assigned one. */
export type IdentitySelector =
  | { kind: "client_id"; value: string }
  | { kind: "object_id"; value: string }
  | { kind: "resource_id"; value: string };

export const IMDS_DEFAULT_HOST = "http://169.254.169.254";
export const ARC_DEFAULT_ENDPOINT = "http://127.0.0.1:40342/metadata/identity/oauth2/token";
export const ARC_HIMDS_PATHS = [
  "/opt/azcmagent/bin/himds",
  "C:\\Program Files\\AzureConnectedMachineAgent\\himds.exe",
];

export interface SourceSpec {
  name: ManagedIdentitySourceName;
  detect: (env: Record<string, string | undefined>, exists: (path: string) => boolean) => boolean;
  /** Query parameter per selector kind; a missing kind means the source cannot select it. */
  selectorParams: Partial<Record<IdentitySelector["kind"], string>>;
  retry: RetryPolicy;
  request: (input: {
    env: Record<string, string | undefined>;
    resource: string;
    selector?: IdentitySelector;
  }) => AuthHttpRequest;
}

function withQuery(base: string, params: Array<[string, string]>): string {
  const url = new URL(base);
  for (const [name, value] of params) url.searchParams.set(name, value);
  return url.toString();
}

function selectorParam(
  spec: Pick<SourceSpec, "selectorParams">,
  selector?: IdentitySelector,
): Array<[string, string]> {
  if (!selector) return [];
  return [[spec.selectorParams[selector.kind]!, selector.value]];
}

const APP_SERVICE: SourceSpec = {
  name: "app-service",
  detect: (env) => Boolean(env.IDENTITY_ENDPOINT && env.IDENTITY_HEADER),
  selectorParams: { client_id: "client_id", object_id: "object_id", resource_id: "mi_res_id" },
  retry: SOURCE_RETRY,
  request: ({ env, resource, selector }) => ({
    method: "GET",
    url: withQuery(env.IDENTITY_ENDPOINT!, [
      ["api-version", "2019-08-01"],
      ["resource", resource],
      ...selectorParam(APP_SERVICE, selector),
    ]),
    headers: { "X-IDENTITY-HEADER": env.IDENTITY_HEADER!, accept: "application/json" },
    direct: true,
    retry: false,
  }),
};

const CLOUD_SHELL: SourceSpec = {
  name: "cloud-shell",
  // MSI_ENDPOINT with MSI_SECRET is Azure Machine Learning, which entrakit does not target.
  detect: (env) => Boolean(env.MSI_ENDPOINT && !env.MSI_SECRET),
  selectorParams: {},
  retry: SOURCE_RETRY,
  request: ({ env, resource }) => ({
    method: "POST",
    url: env.MSI_ENDPOINT!,
    headers: {
      Metadata: "true",
      "content-type": "application/x-www-form-urlencoded",
      accept: "application/json",
    },
    body: new URLSearchParams({ resource }).toString(),
    direct: true,
    retry: false,
  }),
};

const AZURE_ARC: SourceSpec = {
  name: "azure-arc",
  detect: (env, exists) =>
    Boolean(env.IDENTITY_ENDPOINT && env.IMDS_ENDPOINT) || ARC_HIMDS_PATHS.some(exists),
  selectorParams: {},
  retry: SOURCE_RETRY,
  request: ({ env, resource }) => ({
    method: "GET",
    url: withQuery(env.IDENTITY_ENDPOINT ?? ARC_DEFAULT_ENDPOINT, [
      ["api-version", "2020-06-01"],
      ["resource", resource],
    ]),
    headers: { Metadata: "true", accept: "application/json" },
    direct: true,
    retry: false,
  }),
};

const IMDS: SourceSpec = {
  name: "imds",
  detect: () => true,
  // ACI accepts only msi_res_id (msal-js #7487), and so does every IMDS.
  selectorParams: { client_id: "client_id", object_id: "object_id", resource_id: "msi_res_id" },
  retry: IMDS_RETRY,
  request: ({ env, resource, selector }) => ({
    method: "GET",
    url: withQuery(
      `${(env.AZURE_POD_IDENTITY_AUTHORITY_HOST ?? IMDS_DEFAULT_HOST).replace(/\/+$/, "")}/metadata/identity/oauth2/token`,
      [["api-version", "2018-02-01"], ["resource", resource], ...selectorParam(IMDS, selector)],
    ),
    headers: { Metadata: "true", accept: "application/json" },
    direct: true,
    retry: false,
  }),
};

/** In detection order. */
export const SOURCES: readonly SourceSpec[] = [APP_SERVICE, CLOUD_SHELL, AZURE_ARC, IMDS];

export function detectSource(
  env: Record<string, string | undefined>,
  exists: (path: string) => boolean,
): SourceSpec {
  return SOURCES.find((source) => source.detect(env, exists))!;
}

export function sourceByName(name: ManagedIdentitySourceName): SourceSpec {
  return SOURCES.find((source) => source.name === name)!;
}
