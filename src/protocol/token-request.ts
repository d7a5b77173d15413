/**
 * Token endpoint request bodies, one builder per grant (Entra v2 `scope` or v1 `resource`). Pure: each
 * returns the form fields in a stable order; the caller posts them as application/x-www-form-urlencoded.
 */

/** What a token is for: v2 scopes (`https://graph.microsoft.com/.default`) or a v1 resource URI. */
export type TokenTarget = { scopes: readonly string[] } | { resource: string };

/** How a confidential client proves itself; `none` for public clients (device code). */
export type ClientAuthentication =
  | { kind: "secret"; secret: string }
  | { kind: "assertion"; assertion: string }
  | { kind: "none" };

export const CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
export const DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";

export interface TokenEndpointOptions {
  authorityHost: string;
  tenant: string;
  /** `v2` for scope requests, `v1` for resource requests. */
  version: 1 | 2;
}

/** `{host}/{tenant}/oauth2/v2.0/token` or the v1 `{host}/{tenant}/oauth2/token`. */
export function tokenEndpoint(options: TokenEndpointOptions): string {
  const path = options.version === 2 ? "oauth2/v2.0/token" : "oauth2/token";
  return `${trimSlash(options.authorityHost)}/${encodeURIComponent(options.tenant)}/${path}`;
}

export function deviceAuthorizationEndpoint(authorityHost: string, tenant: string): string {
  return `${trimSlash(authorityHost)}/${encodeURIComponent(tenant)}/oauth2/v2.0/devicecode`;
}

/** The endpoint version a target needs: scopes go to v2, resources to v1. */
export function targetVersion(target: TokenTarget): 1 | 2 {
  return "scopes" in target ? 2 : 1;
}

/** Scopes joined with single spaces, or undefined for a resource target. */
export function scopeString(target: TokenTarget, extra: readonly string[] = []): string | undefined {
  if (!("scopes" in target)) return undefined;
  const all = [...extra.filter((s) => !target.scopes.includes(s)), ...target.scopes];
  return all.join(" ");
}

/** A v1 resource for a scope target: the single `.default` scope's resource (used by managed identity). */
export function resourceOf(target: TokenTarget): string {
  if ("resource" in target) return target.resource;
  if (target.scopes.length !== 1) {
    throw new TypeError("a managed identity token needs exactly one scope or resource");
  }
  const scope = target.scopes[0]!;
  return scope.endsWith("/.default") ? scope.slice(0, -"/.default".length) : scope;
}

export interface CommonRequestInput {
  clientId: string;
  target: TokenTarget;
  clientAuth: ClientAuthentication;
  /** A Conditional Access / CAE claims challenge (JSON), passed through as given. */
  claims?: string;
}

export type FormFields = Array<[string, string]>;

export function clientCredentialsRequest(input: CommonRequestInput): FormFields {
  return finish(
    [
      ["client_id", input.clientId],
      ["grant_type", "client_credentials"],
    ],
    input,
  );
}

export function authorizationCodeRequest(
  input: CommonRequestInput & { code: string; redirectUri: string; codeVerifier?: string },
): FormFields {
  const fields: FormFields = [
    ["client_id", input.clientId],
    ["grant_type", "authorization_code"],
    ["code", input.code],
    ["redirect_uri", input.redirectUri],
  ];
  if (input.codeVerifier !== undefined) fields.push(["code_verifier", input.codeVerifier]);
  return finish(fields, input, ["offline_access"]);
}

export function refreshTokenRequest(input: CommonRequestInput & { refreshToken: string }): FormFields {
  return finish(
    [
      ["client_id", input.clientId],
      ["grant_type", "refresh_token"],
      ["refresh_token", input.refreshToken],
    ],
    input,
    ["offline_access"],
  );
}

/** The device-code poll. We send the RFC 8628 name `device_code` (the reference sends `code`). */
export function deviceCodeTokenRequest(input: CommonRequestInput & { deviceCode: string }): FormFields {
  return finish(
    [
      ["client_id", input.clientId],
      ["grant_type", DEVICE_CODE_GRANT],
      ["device_code", input.deviceCode],
    ],
    input,
    ["offline_access"],
  );
}

/** The device authorization request (`/devicecode`): client id and the v2 scopes. */
export function deviceAuthorizationRequest(clientId: string, scopes: readonly string[]): FormFields {
  const all = scopes.includes("offline_access") ? scopes : ["offline_access", ...scopes];
  return [
    ["client_id", clientId],
    ["scope", all.join(" ")],
  ];
}

export function formBody(fields: FormFields): string {
  return new URLSearchParams(fields).toString();
}

function finish(fields: FormFields, input: CommonRequestInput, delegatedExtras: string[] = []): FormFields {
  const scope = scopeString(input.target, delegatedExtras);
  if (scope !== undefined) fields.push(["scope", scope]);
  if ("resource" in input.target) fields.push(["resource", input.target.resource]);
  switch (input.clientAuth.kind) {
    case "secret":
      fields.push(["client_secret", input.clientAuth.secret]);
      break;
    case "assertion":
      fields.push(["client_assertion_type", CLIENT_ASSERTION_TYPE]);
      fields.push(["client_assertion", input.clientAuth.assertion]);
      break;
    case "none":
      break;
  }
  if (input.claims) fields.push(["claims", input.claims]);
  return fields;
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, "");
}
