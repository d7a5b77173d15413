/**
 * The four managed identity endpoints the emulator serves, as data: where each lives, which method,
 * API versions and identity selectors it takes, how the caller proves it runs on the host, and which
 * response shape it answers with. The request handler reads this table instead of branching per source.
 */

export type SourceName = "imds" | "app-service" | "azure-arc" | "cloud-shell";

/** How a source checks that the caller runs on the simulated host. */
export type HostProof =
  /** `Metadata: true` (IMDS, Cloud Shell). */
  | "metadata-header"
  /** `X-IDENTITY-HEADER: <IDENTITY_HEADER>` (App Service / Functions). */
  | "identity-header"
  /** `Metadata: true`, then a Basic challenge answered with a key file's content (Azure Arc). */
  | "arc-key-file";

export type SelectorKind = "client_id" | "object_id" | "resource_id";

export interface SourceSpec {
  name: SourceName;
  /** Path below the host prefix (`/vm/{name}` or nothing for the current VM). */
  path: string;
  method: "GET" | "POST";
  /** Accepted `api-version` values; the first is what clients send today. */
  apiVersions: readonly string[];
  /** Query parameter → selector. At most one may be present. */
  selectors: Readonly<Record<string, SelectorKind>>;
  proof: HostProof;
  /** IMDS-style bodies carry every number as a string plus `expires_in`; App Service has fewer fields. */
  responseShape: "imds" | "app-service";
  /** Error body family: OAuth-style `{error, error_description}` or App Service's `{statusCode, message}`. */
  errorShape: "oauth" | "app-service";
  /** Where `resource` comes from: the query string, or the form body (Cloud Shell's POST). */
  resourceIn: "query" | "form";
}

/** IMDS accepts both spellings of the resource id selector; ACI only `msi_res_id` (what msal sends). */
const IMDS_SELECTORS = {
  client_id: "client_id",
  object_id: "object_id",
  msi_res_id: "resource_id",
  mi_res_id: "resource_id",
} as const;

export const SOURCES: readonly SourceSpec[] = [
  {
    name: "imds",
    path: "/metadata/identity/oauth2/token",
    method: "GET",
    apiVersions: ["2018-02-01", "2019-03-11", "2019-08-01", "2019-11-01", "2020-06-01", "2021-02-01"],
    selectors: IMDS_SELECTORS,
    proof: "metadata-header",
    responseShape: "imds",
    errorShape: "oauth",
    resourceIn: "query",
  },
  {
    name: "app-service",
    path: "/msi/token",
    method: "GET",
    apiVersions: ["2019-08-01"],
    selectors: {
      client_id: "client_id",
      principal_id: "object_id",
      object_id: "object_id",
      mi_res_id: "resource_id",
    },
    proof: "identity-header",
    responseShape: "app-service",
    errorShape: "app-service",
    resourceIn: "query",
  },
  {
    name: "azure-arc",
    path: "/arc/metadata/identity/oauth2/token",
    method: "GET",
    apiVersions: ["2020-06-01", "2019-11-01", "2021-02-01"],
    selectors: IMDS_SELECTORS,
    proof: "arc-key-file",
    responseShape: "imds",
    errorShape: "oauth",
    resourceIn: "query",
  },
  {
    name: "cloud-shell",
    path: "/cloudshell/token",
    method: "POST",
    apiVersions: [],
    selectors: {},
    proof: "metadata-header",
    responseShape: "imds",
    errorShape: "oauth",
    resourceIn: "form",
  },
];

export interface RoutedPath {
  source: SourceSpec;
  /** The VM named by a `/vm/{name}` prefix; undefined means "the current VM". */
  vm: string | undefined;
}

const VM_PREFIX = /^\/vm\/([^/]+)(\/.*)$/;

/** Match a request path to a source, honouring the optional `/vm/{name}` prefix. */
export function routePath(pathname: string): RoutedPath | undefined {
  let vm: string | undefined;
  let rest = pathname;
  const prefixed = VM_PREFIX.exec(pathname);
  if (prefixed) {
    vm = decodeURIComponent(prefixed[1]!);
    rest = prefixed[2]!;
  }
  const trimmed = rest.length > 1 && rest.endsWith("/") ? rest.slice(0, -1) : rest;
  const source = SOURCES.find((candidate) => candidate.path === trimmed);
  return source ? { source, vm } : undefined;
}
