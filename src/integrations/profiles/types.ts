/**
 * An auth profile: how one of the 37 Microsoft integrations of the seed table signs in, as data. The
 * supported-flows table (`entrakit integrations`) is generated from these records, so a profile states its
 * flows exactly as the seed's row does, plus the row's qualifiers ("not supported by the API", ...).
 */
import type { CloudId } from "../../clouds/registry.ts";
import type { ResourceFamily } from "../../clouds/resources.ts";
import type { AuthFlow } from "../types.ts";

/** A resource API the integration calls. */
export type ProfileResource =
  /** Hosts, v1 resource and v2 scope come from the selected cloud (`src/clouds/resources.ts`). */
  | {
      kind: "family";
      family: ResourceFamily;
      basePath: string;
      /** For families without a fixed API host (Cloud Apps): the parameter holding the tenant's URL. */
      apiParam?: string;
    }
  /** A public-cloud-only resource outside the cloud registry (Azure DevOps, Bot Framework, Storage). */
  | { kind: "fixed"; name: string; resource: string; scope: string; api: string };

/** The seed table's columns after "Integration Name", in order. */
export type SeedColumn =
  | "XSOAR Application"
  | "Client Credentials"
  | "Device Code"
  | "Auth code (redirect URI)"
  | "Azure Managed Identities"
  | "Supports National Clouds";

/** The auth commands a flow can call for. */
export type AuthCommandKind = "start" | "complete" | "loginUrl" | "test" | "reset";

export interface ProfileParam {
  name: string;
  /** Other names the reference reads for the same value (credentials-type and legacy hidden parameters). */
  aliases: readonly string[];
}

export interface ConnectivityProbe {
  /** Index into `resources`. */
  resource: number;
  method: "GET" | "POST";
  /** Appended to the resource's API base; `{param}` is filled from the instance's parameters. */
  path: string;
  query?: Readonly<Record<string, string>>;
}

export interface IntegrationProfile {
  /** Stable key (several integrations share a prefix). */
  id: string;
  /** The seed table's "Integration Name", exactly. */
  name: string;
  prefix: string;
  resources: readonly ProfileResource[];
  flows: readonly AuthFlow[];
  /**
   * Flows entrakit runs beyond the seed's row (e.g. a certificate where the row says only "yes"): the
   * runtime accepts them, the supported-flows table does not show them.
   */
  extraFlows?: readonly AuthFlow[];
  /** The reference's default flow; `null` when its default is not an Entra ID flow (see `nonEntraAuth`). */
  defaultFlow: AuthFlow | null;
  /** How the integration authenticates outside Entra ID, when it can (SAS token, legacy API token). */
  nonEntraAuth?: string;
  nationalClouds: boolean;
  /** Clouds the profile runs in: `["com"]` unless national clouds are supported. */
  clouds: readonly CloudId[];
  /** The seed's qualifier per cell, where the row has one ("yes - device" is `{ "XSOAR Application": "device" }`). */
  seedNotes?: Partial<Record<SeedColumn, string>>;
  params: readonly ProfileParam[];
  /** Microsoft permissions the app registration needs, as documented; empty when not documented. */
  permissions: readonly string[];
  /** The Test button's request after the token; `null` when acquiring the token is the whole test. */
  connectivityProbe: ConnectivityProbe | null;
  /**
   * Index into `resources` of what a user signs in for (device code, authorization code) when it is not
   * the first: Microsoft Teams' app token is for the Bot Framework, its delegated token for Graph.
   */
  delegatedResource?: number;
  /** Where the reference names an auth command differently from `<prefix>-auth-<kind>`. */
  commandNames?: Partial<Record<AuthCommandKind, string>>;
  /** The vendor (XSOAR) multi-tenant app's client id, when it is a public client id. */
  vendorAppId?: string;
  /**
   * `v1`: client credentials ask the v1 token endpoint (`/{tenant}/oauth2/token`) with `resource=`, as the
   * reference's integration does (Key Vault, Log Analytics); otherwise the v2 endpoint with `.default`.
   */
  tokenEndpoint?: "v1";
}
