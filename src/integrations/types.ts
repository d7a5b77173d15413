/**
 * What an integration is, as data: identity, auth profile, instance parameters, commands with their
 * argument and output schemas. The runtime (parsing, validation, help, completion, context merge) reads
 * these tables; command code lives beside the manifest and never re-checks what the schema says.
 */
import type { CloudId } from "../clouds/registry.ts";
import type { ResourceFamily } from "../clouds/resources.ts";
import type { ConnectivityProbe, IntegrationProfile } from "./profiles/types.ts";

/** Sign-in flows an integration can support (the seed's supported-flows table, one entry per flow). */
export type AuthFlow =
  | "client_credentials_secret"
  | "client_credentials_certificate"
  | "device_code"
  | "authorization_code"
  | "managed_identity"
  | "vendor_app";

/** A resource API the integration calls: its family in `src/clouds` and the API version path. */
export interface ResourceSpec {
  /** Hosts, the v1 resource and v2 scopes come from the cloud (`apiBase`, `resourceFor`, `scopeFor`). */
  family: ResourceFamily;
  /** Path appended to the family's API base, e.g. `/v1.0`. */
  basePath: string;
}

/** What the instance's Test button (and `<prefix>-auth-test` with a data check) calls. */
export interface ConnectivityTest {
  /** Acquire a token first; then, when given, one cheap request that proves licence and permissions too. */
  probe: ConnectivityProbe | null;
  /**
   * Text shown when the instance uses device code: the Test button cannot finish an interactive sign-in.
   * `{prefix}` is replaced by the command prefix.
   */
  deviceCodeRefusal?: string;
}

/**
 * The runtime's view of an integration's auth, derived from its `IntegrationProfile` (the one source of
 * truth: flows, resources, commands) by `integrationFromProfile`.
 */
export interface AuthProfile {
  /** The profile's flows plus its `extraFlows`. */
  flows: readonly AuthFlow[];
  /** `null` when the integration has no Entra ID flow (a SAS token only). */
  defaultFlow: AuthFlow | null;
  /** The default resource when it is a cloud family (the profile's first resource). */
  resource?: ResourceSpec;
  /**
   * Delegated permissions (resource-relative names) for device code / authorization code; the flow
   * prefixes each with the cloud's resource host (`scopesFor`) and adds `offline_access`.
   */
  delegatedPermissions: readonly string[];
  /** Application (and delegated) permissions the app registration needs, least privileged first. */
  permissions: { read: readonly string[]; write: readonly string[] };
  clouds: readonly CloudId[];
  connectivityTest: ConnectivityTest;
  /** The auth commands' texts where this integration's reference differs from the shared module's. */
  messages?: Partial<AuthMessages>;
}

/** Texts of the auth commands (reference-auth-module §7); `{prefix}` is replaced by the command prefix. */
export interface AuthMessages {
  testSuccess: string;
  completeSuccess: string;
  reset: string;
}

export type ParameterType = "text" | "secret" | "boolean" | "select";

export interface ParameterSpec {
  name: string;
  /** The label the reference shows (e.g. "Use system proxy settings"). */
  display: string;
  type: ParameterType;
  required?: boolean;
  default?: string | boolean;
  /** For `select`: the choices, in display order. */
  options?: readonly string[];
  /** Other names accepted for this parameter (the reference's legacy names, ID / Token / Key ...). */
  aliases?: readonly string[];
  help?: string;
}

export type ArgumentType = "string" | "integer" | "boolean" | "date" | "list";

export interface ArgumentSpec {
  name: string;
  description: string;
  type?: ArgumentType;
  required?: boolean;
  /** Raw default, validated like user input. */
  default?: string;
  /** The only accepted values (case-sensitive, as Graph compares them). */
  predefined?: readonly string[];
  /** Inclusive bounds for integers. */
  range?: { min?: number; max?: number };
  /** Exact message for an out-of-range value when the reference has one. */
  rangeMessage?: string;
  /** Kept for compatibility; hidden from help and completion. */
  hidden?: boolean;
}

export type OutputType = "String" | "Number" | "Boolean" | "Date" | "Unknown";

export interface OutputPath {
  path: string;
  type: OutputType;
  description?: string;
}

export interface OutputSchema {
  /** Context path the outputs go under, e.g. `AzureRiskyUsers.RiskyUser`. */
  prefix: string;
  /** Field that identifies an item for merging (`id`); absent means the `(true)` overwrite form. */
  key?: string;
  paths: readonly OutputPath[];
}

export interface CommandSpec {
  name: string;
  description: string;
  args: readonly ArgumentSpec[];
  outputs: readonly OutputSchema[];
  /** Least-privileged permission, named when Microsoft answers 403 without a licence problem. */
  permission?: string;
  /** Licence the API needs, named when Microsoft answers 403 "not licensed". */
  licence?: string;
  /** Writes change the tenant; the War Room marks them and the docs list them apart. */
  effect: "read" | "write";
}

export interface IntegrationDefinition {
  /** Instances store this id; the registry also finds the integration by its profile's id and name. */
  id: string;
  /** The auth profile the auth fields, commands and resources come from. */
  profile: IntegrationProfile;
  display: string;
  description: string;
  category: string;
  /** Command prefix, used for the auth commands (`<prefix>-auth-start`) and messages. */
  prefix: string;
  /** Context root all outputs live under, e.g. `AzureRiskyUsers`. */
  contextRoot: string;
  auth: AuthProfile;
  params: readonly ParameterSpec[];
  /** The service's rate limit in one sentence, shown when throttling outlasts the retries. */
  rateLimit?: string;
  /** Data commands; the auth commands are derived from the profile (see runtime/auth-commands.ts). */
  commands: readonly CommandSpec[];
}
