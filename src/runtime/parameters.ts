/**
 * Instance parameters against an integration's schema: the reference's names and aliases (ID / Token /
 * Key, `auth_id`, `enc_key`, ...) fold into one canonical name, values are typed, defaults applied, and the
 * sign-in flow is chosen the way the reference's shared Microsoft module chooses it. Every failure names
 * the parameter to set.
 */
import { EntrakitError } from "../errors.ts";
import { assertFlowSupported } from "../integrations/profiles/index.ts";
import { AUTH_TYPE_LABELS } from "../integrations/profiles/params.ts";
import type { AuthFlow, IntegrationDefinition, ParameterSpec } from "../integrations/types.ts";

export type ParameterValues = Record<string, string | boolean>;

/** A parameter's text value; a boolean or an absent parameter reads as "". */
export const textParam = (value: string | boolean | undefined): string =>
  typeof value === "string" ? value : "";

const TRUE_WORDS = new Set(["true", "yes", "1", "on"]);
const FALSE_WORDS = new Set(["false", "no", "0", "off"]);

function usage(message: string, hint: string): EntrakitError {
  return new EntrakitError("configuration", message, { hint });
}

function lookup(definition: IntegrationDefinition): Map<string, ParameterSpec> {
  const names = new Map<string, ParameterSpec>();
  for (const spec of definition.params) {
    for (const name of [spec.name, ...(spec.aliases ?? [])]) names.set(name.toLowerCase(), spec);
  }
  return names;
}

function coerce(spec: ParameterSpec, given: string, value: string | boolean): string | boolean {
  switch (spec.type) {
    case "boolean": {
      if (typeof value === "boolean") return value;
      const word = value.trim().toLowerCase();
      if (TRUE_WORDS.has(word)) return true;
      if (FALSE_WORDS.has(word)) return false;
      throw usage(
        `${given}: "${value}" is not true or false.`,
        `Set ${spec.name}=true or ${spec.name}=false.`,
      );
    }
    case "select": {
      const text = String(value).trim();
      const option = spec.options?.find((choice) => choice.toLowerCase() === text.toLowerCase());
      if (!option) {
        throw usage(
          `Invalid value "${text}" for ${spec.name}.`,
          `Valid values: ${(spec.options ?? []).join(", ")}.`,
        );
      }
      return option;
    }
    case "text":
    case "secret":
      return typeof value === "boolean" ? String(value) : value.trim();
  }
}

/**
 * The flow of each `authentication_type` value, lower case: the profiles' labels read backwards (Client
 * Credentials, the label of both client-credential flows, gives the first: the secret).
 */
const FLOW_OF_TYPE: ReadonlyMap<string, AuthFlow> = new Map(
  (Object.entries(AUTH_TYPE_LABELS) as [AuthFlow, string][])
    .toReversed()
    .map(([flow, label]) => [label.toLowerCase(), flow]),
);

const CERTIFICATE_PARAMS = new Set(["certificate_thumbprint", "private_key"]);

/**
 * A flow asked for that the integration lacks is refused first, naming the ones it supports (rather than
 * an unknown-parameter or invalid-choice error about the switch that asked for it).
 */
function refuseUnsupportedFlow(
  definition: IntegrationDefinition,
  raw: Readonly<Record<string, string | boolean>>,
): void {
  const flows = definition.auth.flows;
  // A thumbprint or key makes Client Credentials the certificate flow (as selectAuthFlow decides).
  const certificate = Object.entries(raw).some(
    ([given, value]) => CERTIFICATE_PARAMS.has(given.toLowerCase()) && value !== "",
  );
  for (const [given, value] of Object.entries(raw)) {
    const name = given.toLowerCase();
    const text = String(value).trim().toLowerCase();
    let flow: AuthFlow | undefined;
    if (name === "authentication_type" || name === "auth_type") flow = FLOW_OF_TYPE.get(text);
    else if (name === "self_deployed" && FALSE_WORDS.has(text)) flow = "vendor_app";
    else if (name === "use_managed_identities" && TRUE_WORDS.has(text)) flow = "managed_identity";
    else if (certificate && CERTIFICATE_PARAMS.has(name)) flow = "client_credentials_certificate";
    if (flow === "client_credentials_secret" && certificate) flow = "client_credentials_certificate";
    if (flow === "client_credentials_secret" && flows.includes("client_credentials_certificate")) continue;
    if (flow) assertFlowSupported(definition.profile, flow);
  }
}

/** Folds aliases, checks types and choices, applies defaults. Empty values count as absent. */
export function resolveParameters(
  definition: IntegrationDefinition,
  raw: Readonly<Record<string, string | boolean>>,
): ParameterValues {
  refuseUnsupportedFlow(definition, raw);
  const names = lookup(definition);
  const values: ParameterValues = {};
  const givenAs: Record<string, string> = {};
  for (const [given, value] of Object.entries(raw)) {
    const spec = names.get(given.toLowerCase());
    if (!spec) {
      throw usage(
        `${definition.display} has no parameter "${given}".`,
        `Valid parameters: ${definition.params.map((p) => p.name).join(", ")}.`,
      );
    }
    if (value === "") continue;
    if (givenAs[spec.name] !== undefined) {
      throw usage(
        `"${given}" and "${givenAs[spec.name]}" both set ${spec.name}.`,
        `Keep one of them (${[spec.name, ...(spec.aliases ?? [])].join(" / ")} are the same parameter).`,
      );
    }
    givenAs[spec.name] = given;
    values[spec.name] = coerce(spec, given, value);
  }
  for (const spec of definition.params) {
    if (values[spec.name] === undefined && spec.default !== undefined) values[spec.name] = spec.default;
    if (spec.required && values[spec.name] === undefined) {
      throw usage(`${definition.display} needs ${spec.name} (${spec.display}).`, `Set ${spec.name}=<value>.`);
    }
  }
  return values;
}

/** What each flow needs, by canonical parameter name (the reference's Microsoft parameter names). */
const FLOW_REQUIREMENTS: Readonly<Record<AuthFlow, readonly string[]>> = {
  client_credentials_secret: ["client_id", "tenant_id", "client_secret"],
  client_credentials_certificate: ["client_id", "tenant_id", "certificate_thumbprint", "private_key"],
  device_code: ["client_id"],
  authorization_code: ["client_id", "tenant_id", "client_secret"],
  managed_identity: [],
  // The vendor app's consent page hands out ID (registration id), Token (tenant id) and Key.
  vendor_app: ["client_id", "tenant_id", "client_secret"],
};

const FLOW_LABELS: Readonly<Record<AuthFlow, string>> = {
  client_credentials_secret: "Client Credentials with a secret",
  client_credentials_certificate: "Client Credentials with a certificate",
  device_code: "Device Code",
  authorization_code: "Authorization Code",
  managed_identity: "Azure Managed Identities",
  vendor_app: "the vendor app (self_deployed=false)",
};

const has = (values: ParameterValues, name: string) => values[name] !== undefined && values[name] !== "";

/** The flow `self_deployed=true` means when no authentication_type says more: the credential given. */
function selfDeployedFlow(definition: IntegrationDefinition, values: ParameterValues): AuthFlow | undefined {
  const flows = definition.auth.flows;
  const order: AuthFlow[] = [
    ...(has(values, "certificate_thumbprint") || has(values, "private_key")
      ? (["client_credentials_certificate"] as const)
      : []),
    ...(has(values, "auth_code") ? (["authorization_code"] as const) : []),
    "client_credentials_secret",
    "client_credentials_certificate",
    "authorization_code",
    "device_code",
    "managed_identity",
  ];
  if (definition.auth.defaultFlow && definition.auth.defaultFlow !== "vendor_app") {
    order.splice(order.indexOf("client_credentials_secret"), 0, definition.auth.defaultFlow);
  }
  return order.find((flow) => flows.includes(flow));
}

/**
 * The sign-in flow an instance uses, chosen as the reference does: managed identities first (the type or
 * the legacy switch), then the vendor app when not self-deployed, then the authentication type, where
 * Client Credentials means a certificate when a thumbprint and key are set; with none of these, the
 * profile's default flow (`self_deployed=true` turns a vendor-app default into the credential given).
 * An unsupported flow is refused naming the ones the integration supports.
 */
export function selectAuthFlow(definition: IntegrationDefinition, values: ParameterValues): AuthFlow {
  const type = values.authentication_type;
  let flow: AuthFlow | null | undefined;
  if (type === "Azure Managed Identities" || values.use_managed_identities === true)
    flow = "managed_identity";
  else if (values.self_deployed === false) flow = "vendor_app";
  else if (type === "Client Credentials") {
    flow =
      has(values, "certificate_thumbprint") || has(values, "private_key")
        ? "client_credentials_certificate"
        : "client_credentials_secret";
  } else if (type === "Authorization Code") flow = "authorization_code";
  else if (type === "Device Code") flow = "device_code";
  else if (values.self_deployed === true && definition.auth.defaultFlow === "vendor_app")
    flow = selfDeployedFlow(definition, values);
  else flow = definition.auth.defaultFlow;

  if (!flow) {
    const profile = definition.profile;
    throw usage(
      `${definition.display} has no Entra ID sign-in.`,
      `${profile.name} signs in with ${profile.nonEntraAuth ?? "no Entra ID flow"} only.`,
    );
  }
  assertFlowSupported(definition.profile, flow);
  const missing = FLOW_REQUIREMENTS[flow].filter((name) => !has(values, name));
  if (missing.length > 0) {
    const labels = missing.map((name) => {
      const spec = definition.params.find((p) => p.name === name);
      return spec ? `${name} (${spec.display})` : name;
    });
    throw usage(
      `${FLOW_LABELS[flow]} needs ${labels.join(", ")}.`,
      `Set ${missing.map((name) => `${name}=...`).join(" ")} on the instance.`,
    );
  }
  return flow;
}
