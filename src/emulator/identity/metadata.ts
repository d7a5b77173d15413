/**
 * Discovery documents: the v2 and v1 OpenID configuration per tenant, the signing keys, and the instance
 * discovery answer MSAL asks for. Endpoints use the tenant GUID when a tenant is named by domain (as Entra
 * does) and keep `common`/`organizations` with the `{tenantid}` issuer template otherwise.
 */
import type { TenantRef } from "./tenant.ts";

export function openIdConfigurationV2(base: string, ref: TenantRef): Record<string, unknown> {
  const segment = ref.kind === "tenant" ? ref.tenant.id : ref.segment;
  const issuerTenant = ref.kind === "tenant" ? ref.tenant.id : "{tenantid}";
  const root = `${base}/${segment}`;
  return {
    token_endpoint: `${root}/oauth2/v2.0/token`,
    token_endpoint_auth_methods_supported: ["client_secret_post", "private_key_jwt", "client_secret_basic"],
    jwks_uri: `${root}/discovery/v2.0/keys`,
    response_modes_supported: ["query", "fragment", "form_post"],
    subject_types_supported: ["pairwise"],
    id_token_signing_alg_values_supported: ["RS256"],
    response_types_supported: ["code", "id_token", "code id_token", "id_token token"],
    scopes_supported: ["openid", "profile", "email", "offline_access"],
    issuer: `${base}/${issuerTenant}/v2.0`,
    request_uri_parameter_supported: false,
    userinfo_endpoint: `${base}/oidc/userinfo`,
    authorization_endpoint: `${root}/oauth2/v2.0/authorize`,
    device_authorization_endpoint: `${root}/oauth2/v2.0/devicecode`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${root}/oauth2/v2.0/logout`,
    claims_supported: [
      "sub",
      "iss",
      "cloud_instance_name",
      "cloud_instance_host_name",
      "cloud_graph_host_name",
      "msgraph_host",
      "aud",
      "exp",
      "iat",
      "auth_time",
      "acr",
      "nonce",
      "preferred_username",
      "name",
      "tid",
      "ver",
      "at_hash",
      "c_hash",
      "email",
    ],
    code_challenge_methods_supported: ["plain", "S256"],
    grant_types_supported: [
      "authorization_code",
      "refresh_token",
      "client_credentials",
      "password",
      "urn:ietf:params:oauth:grant-type:device_code",
    ],
    kerberos_endpoint: `${root}/kerberos`,
    tenant_region_scope: ref.kind === "tenant" ? "NA" : null,
    cloud_instance_name: "microsoftonline.com",
    cloud_graph_host_name: "graph.windows.net",
    msgraph_host: "graph.microsoft.com",
    rbac_url: "https://pas.windows.net",
  };
}

export function openIdConfigurationV1(base: string, ref: TenantRef): Record<string, unknown> {
  const segment = ref.kind === "tenant" ? ref.tenant.id : ref.segment;
  const root = `${base}/${segment}`;
  return {
    token_endpoint: `${root}/oauth2/token`,
    token_endpoint_auth_methods_supported: ["client_secret_post", "private_key_jwt", "client_secret_basic"],
    jwks_uri: `${base}/common/discovery/keys`,
    response_modes_supported: ["query", "fragment", "form_post"],
    subject_types_supported: ["pairwise"],
    id_token_signing_alg_values_supported: ["RS256"],
    response_types_supported: ["code", "id_token", "code id_token", "token id_token", "token"],
    scopes_supported: ["openid"],
    issuer: `https://sts.windows.net/${ref.kind === "tenant" ? ref.tenant.id : "{tenantid}"}/`,
    microsoft_multi_refresh_token: true,
    authorization_endpoint: `${root}/oauth2/authorize`,
    device_authorization_endpoint: `${root}/oauth2/devicecode`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${root}/oauth2/logout`,
    claims_supported: [
      "sub",
      "iss",
      "cloud_instance_name",
      "cloud_instance_host_name",
      "cloud_graph_host_name",
      "msgraph_host",
      "aud",
      "exp",
      "iat",
      "auth_time",
      "acr",
      "amr",
      "nonce",
      "email",
      "given_name",
      "family_name",
      "nickname",
    ],
    check_session_iframe: `${root}/oauth2/checksession`,
    userinfo_endpoint: `${root}/openid/userinfo`,
    kerberos_endpoint: `${root}/kerberos`,
    tenant_region_scope: ref.kind === "tenant" ? "NA" : null,
    cloud_instance_name: "microsoftonline.com",
    cloud_graph_host_name: "graph.windows.net",
    msgraph_host: "graph.microsoft.com",
    rbac_url: "https://pas.windows.net",
  };
}

/**
 * `GET /common/discovery/instance?api-version=1.1&authorization_endpoint=<authority>/oauth2/v2.0/authorize`:
 * the emulator is its own single-host cloud, so every alias is its own host.
 */
export function instanceDiscovery(
  base: string,
  authorizationEndpoint: string | null,
): Record<string, unknown> {
  const host = new URL(base).host;
  let tenant = "common";
  if (authorizationEndpoint) {
    try {
      tenant = new URL(authorizationEndpoint).pathname.split("/").filter(Boolean)[0] ?? "common";
    } catch {
      // A malformed authorization_endpoint still gets the common metadata, as Entra answers.
    }
  }
  return {
    tenant_discovery_endpoint: `${base}/${tenant}/v2.0/.well-known/openid-configuration`,
    "api-version": "1.1",
    metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
  };
}
