/**
 * The authorization request URL (authorization code + PKCE) on the cloud's login host. Every parameter is
 * URL-encoded, `state` and the S256 challenge are always present, and `offline_access` is added once so a
 * refresh token comes back.
 */
export interface LoginUrlInput {
  authorityHost: string;
  tenant: string;
  clientId: string;
  redirectUri: string;
  scopes: readonly string[];
  state: string;
  codeChallenge: string;
  prompt?: "login" | "none" | "consent" | "select_account";
  loginHint?: string;
  domainHint?: string;
}

export function buildLoginUrl(input: LoginUrlInput): string {
  const scopes = input.scopes.includes("offline_access") ? input.scopes : ["offline_access", ...input.scopes];
  const url = new URL(
    `${input.authorityHost.replace(/\/+$/, "")}/${encodeURIComponent(input.tenant)}/oauth2/v2.0/authorize`,
  );
  const params: Array<[string, string | undefined]> = [
    ["client_id", input.clientId],
    ["response_type", "code"],
    ["redirect_uri", input.redirectUri],
    ["response_mode", "query"],
    ["scope", scopes.join(" ")],
    ["state", input.state],
    ["code_challenge", input.codeChallenge],
    ["code_challenge_method", "S256"],
    ["prompt", input.prompt],
    ["login_hint", input.loginHint],
    ["domain_hint", input.domainHint],
  ];
  // encodeURIComponent rather than URLSearchParams so spaces become %20, as Microsoft's own docs show.
  url.search = params
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([name, value]) => `${name}=${encodeURIComponent(value)}`)
    .join("&");
  return url.toString();
}
