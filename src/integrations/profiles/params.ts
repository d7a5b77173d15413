/**
 * The instance parameters of an integration generated from its auth profile. The reference names one value
 * many ways (`auth_id`, `app_id`, `credentials_auth_id`, the vendor app's ID / Token / Key ...); here each
 * credential role has one canonical name (the one the runtime reads) and every reference name of the
 * profile becomes an alias of it. Parameters that are not credentials (subscription, workspace, vault ...)
 * keep the profile's name. The common parameters a profile's flows need are added even where the
 * reference's list omits them. Pure data.
 */
import type { CloudId } from "../../clouds/registry.ts";
import type { AuthFlow, ParameterSpec } from "../types.ts";
import { supportedFlows } from "./index.ts";
import type { IntegrationProfile } from "./types.ts";

/** The canonical credential parameters, their labels and the reference names that mean them. */
const ROLES: readonly (ParameterSpec & {
  names: readonly string[];
  when: (flows: Set<AuthFlow>) => boolean;
})[] = [
  {
    name: "client_id",
    display: "Application (client) ID; the vendor app's ID when self_deployed=false",
    type: "text",
    names: ["id", "auth_id", "app_id", "cred_auth_id", "credentials_auth_id", "creds_auth_id", "_auth_id"],
    when: (f) => entra(f),
  },
  {
    name: "tenant_id",
    display: "Tenant ID; the vendor app's Token when self_deployed=false",
    type: "text",
    names: ["token", "cred_token", "credentials_tenant_id", "creds_tenant_id", "_tenant_id", "creds_token"],
    when: (f) => entra(f),
  },
  {
    name: "client_secret",
    display: "Client secret; the vendor app's Key when self_deployed=false",
    type: "secret",
    names: [
      "key",
      "enc_key",
      "credentials",
      "cred_enc_key",
      "credentials_enc_key",
      "creds_enc_key",
      "app_secret",
      "client_credentials",
      "bot_password",
    ],
    when: (f) => f.has("client_credentials_secret") || f.has("vendor_app") || f.has("authorization_code"),
  },
  {
    name: "certificate_thumbprint",
    display: "Certificate thumbprint (SHA-1, hex)",
    type: "text",
    names: [
      "cred_certificate_thumbprint",
      "credentials_certificate_thumbprint",
      "creds_certificate",
      "certificate",
    ],
    when: (f) => f.has("client_credentials_certificate"),
  },
  {
    name: "private_key",
    display: "Certificate private key (PEM)",
    type: "secret",
    names: [],
    when: (f) => f.has("client_credentials_certificate"),
  },
  {
    name: "auth_code",
    display: "Authorization code (or the whole redirect URL)",
    type: "secret",
    names: ["credentials_auth_code", "creds_auth_code", "auth_code_creds"],
    when: (f) => f.has("authorization_code"),
  },
  {
    name: "redirect_uri",
    display: "Application redirect URI (for Authorization Code)",
    type: "text",
    names: [],
    when: (f) => f.has("authorization_code"),
  },
  {
    name: "use_managed_identities",
    display: "Use Azure Managed Identities",
    type: "boolean",
    default: false,
    names: [],
    when: (f) => f.has("managed_identity"),
  },
  {
    name: "managed_identities_client_id",
    display: "Azure Managed Identities Client ID (empty: the system-assigned identity)",
    type: "text",
    names: [],
    when: (f) => f.has("managed_identity"),
  },
  {
    name: "self_deployed",
    display: "Use a self-deployed Azure application (false: the vendor app through the OAuth proxy)",
    type: "boolean",
    names: [],
    when: (f) => f.has("vendor_app"),
  },
  {
    name: "proxy",
    display: "Use system proxy settings",
    type: "boolean",
    default: false,
    names: [],
    when: () => true,
  },
  {
    name: "insecure",
    display: "Trust any certificate (not secure)",
    type: "boolean",
    default: false,
    names: ["unsecure"],
    when: () => true,
  },
];

/** The reference's ID / Token / Key spelling of the vendor-app triple, kept as written. */
const TRIPLE_ALIASES: Readonly<Record<string, string>> = {
  client_id: "ID",
  tenant_id: "Token",
  client_secret: "Key",
};

/** `authentication_type` values, as the reference spells them. */
export const AUTH_TYPE_LABELS: Readonly<Partial<Record<AuthFlow, string>>> = {
  client_credentials_secret: "Client Credentials",
  client_credentials_certificate: "Client Credentials",
  device_code: "Device Code",
  authorization_code: "Authorization Code",
  managed_identity: "Azure Managed Identities",
};

const CLOUD_LABELS: Readonly<Partial<Record<CloudId, string>>> = {
  com: "Worldwide",
  gcc: "US GCC",
  "gcc-high": "US GCC-High",
  dod: "DoD",
  cn: "China",
};

/** Reference names the runtime handles itself (they select the flow or the cloud). */
const FLOW_SELECTORS = new Set(["authentication_type", "auth_type", "azure_cloud"]);
/** Profile parameters that hold a secret although they are not the flow's credential. */
const OTHER_SECRETS = new Set(["account_sas_token", "refresh_token"]);

const entra = (flows: Set<AuthFlow>) => flows.size > 0;

/** The parameters of the integration generated from `profile`, canonical names first. */
export function parametersFor(profile: IntegrationProfile): ParameterSpec[] {
  const flows = new Set(supportedFlows(profile));
  const roleOf = new Map<string, string>();
  for (const role of ROLES)
    for (const name of [role.name, ...role.names]) roleOf.set(name.toLowerCase(), role.name);
  const referenceNames = profile.params.flatMap((param) => [param.name, ...param.aliases]);

  const specs: ParameterSpec[] = [];
  const authTypes = [
    ...new Set([...flows].map((flow) => AUTH_TYPE_LABELS[flow]).filter((x) => x !== undefined)),
  ];
  if (authTypes.length > 1) {
    specs.push({
      name: "authentication_type",
      display: "Authentication Type",
      type: "select",
      options: authTypes,
      aliases: ["auth_type"],
      help: "Empty: the integration's default flow.",
    });
  }
  for (const role of ROLES) {
    if (!role.when(flows)) continue;
    const aliases = new Set<string>();
    const triple = TRIPLE_ALIASES[role.name];
    if (triple && flows.has("vendor_app")) aliases.add(triple);
    for (const name of referenceNames) {
      if (roleOf.get(name.toLowerCase()) === role.name && name !== role.name) aliases.add(name);
    }
    const { names: _names, when: _when, ...spec } = role;
    specs.push(aliases.size > 0 ? { ...spec, aliases: [...aliases] } : spec);
  }
  if (flows.size > 0) {
    specs.push({
      name: "azure_cloud",
      display: "Azure Cloud",
      type: "select",
      // No default: empty means Worldwide, unless a legacy cloud parameter (server_url, azure_ad_endpoint,
      // a Graph host in url) says otherwise, as in the reference (runtime/targets.ts).
      options: [
        ...profile.clouds.map((id) => CLOUD_LABELS[id]).filter((label) => label !== undefined),
        "Custom",
      ],
      help: "Empty: Worldwide (or what server_url / azure_ad_endpoint / a Graph url select). Custom with --endpoint overrides aims the instance at another host (the emulator).",
    });
  }
  const taken = new Set(
    specs.flatMap((spec) => [spec.name, ...(spec.aliases ?? [])].map((n) => n.toLowerCase())),
  );
  for (const param of profile.params) {
    if (FLOW_SELECTORS.has(param.name) || roleOf.has(param.name.toLowerCase())) continue;
    if (taken.has(param.name.toLowerCase())) continue;
    const aliases = param.aliases.filter(
      (alias) => !taken.has(alias.toLowerCase()) && !roleOf.has(alias.toLowerCase()),
    );
    specs.push({
      name: param.name,
      display: param.name,
      type: OTHER_SECRETS.has(param.name) ? "secret" : "text",
      ...(aliases.length > 0 ? { aliases } : {}),
    });
    for (const name of [param.name, ...aliases]) taken.add(name.toLowerCase());
  }
  for (const name of addressParams(profile)) {
    if (taken.has(name.toLowerCase())) continue;
    specs.push({
      name,
      display: `${name} (the API address; a whole https:// URL replaces the host)`,
      type: "text",
    });
    taken.add(name.toLowerCase());
  }
  return specs;
}

/** Parameters a resource's API address is built from (`{vault_name}`, `{url}`, `{organization}` ...). */
function addressParams(profile: IntegrationProfile): string[] {
  const names = profile.resources.flatMap((resource) => {
    if (resource.kind === "fixed")
      return [...`${resource.api} ${resource.scope}`.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
    if (resource.family === "keyVault") return ["vault_name"];
    return resource.apiParam ? [resource.apiParam] : [];
  });
  return [...new Set(names)];
}
