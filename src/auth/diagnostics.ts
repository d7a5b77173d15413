/**
 * Turning Entra's answers into something a person can act on: a hint table per error family (data, first
 * match wins), the reference's message format (`Error in Microsoft authorization. Status: <n>, body: ...`)
 * without its bugs, and `explainToken` which reads a token's claims (never printing the token) to name the
 * permissions it lacks.
 *
 * Branching is on AADSTS numbers first (the most specific), then OAuth `error` / `suberror`. Microsoft
 * warns that codes and texts change, so these only choose hints; no control flow depends on them.
 */
import {
  adminConsentUrl,
  authorityHost,
  CLOUDS,
  type Cloud,
  hasEndpoint,
  scopeFor,
} from "../clouds/index.ts";
import { type EntraErrorBody, entraErrorSummary, oneLine, parseEntraError } from "../protocol/entra-error.ts";
import { AuthenticationFailedError, ConfigurationError, PermissionDeniedError } from "./errors.ts";

export interface DiagnosisContext {
  /** The integration's command prefix, for `!<prefix>-auth-reset` / `-auth-start`. */
  commandPrefix?: string | undefined;
  /** The cloud in use (login host for the consent URL, names in hints). Default Worldwide. */
  cloud?: Cloud | undefined;
  tenantId?: string | undefined;
  clientId?: string | undefined;
  /** What the token was requested for (a scope or resource), for "not in this cloud" hints. */
  target?: string | undefined;
}

export type HintFamily =
  | "secret_expired"
  | "secret_invalid"
  | "certificate_rejected"
  | "unknown_app"
  | "unknown_tenant"
  | "wrong_cloud"
  | "consent_missing"
  | "mfa_required"
  | "conditional_access"
  | "grant_expired"
  | "public_client_disabled"
  | "resource_not_in_cloud"
  | "invalid_scope"
  | "redirect_uri_mismatch"
  | "device_code_declined"
  | "device_code_expired"
  | "bad_credentials"
  | "account_problem"
  | "throttled"
  | "transient"
  | "malformed_request"
  | "client_rejected";

interface HintRule {
  family: HintFamily;
  codes?: readonly number[];
  errors?: readonly string[];
  suberrors?: readonly string[];
  hint: (context: ResolvedContext) => string;
}

interface ResolvedContext {
  prefix: string | undefined;
  cloud: Cloud;
  tenantId: string | undefined;
  clientId: string | undefined;
  target: string | undefined;
}

/** The reference's auth-reset hint, word for word (users search for it). */
export function authResetHint(prefix: string | undefined): string {
  return prefix
    ? `You can run the ***${prefix}-auth-reset*** command to reset the authentication process.`
    : "Reset the stored sign-in (the instance's auth-reset command) to restart the authentication process.";
}

const signInAgain = (context: ResolvedContext) =>
  context.prefix
    ? `Then sign in again (!${context.prefix}-auth-start, or a new authorization code).`
    : "Then sign in again.";

const inCloud = (context: ResolvedContext) =>
  `the ${context.cloud.displayName} cloud (${authorityHost(context.cloud)})`;

/** The hint table. Order matters: specific AADSTS codes first, broad OAuth errors last. */
export const HINT_RULES: readonly HintRule[] = [
  {
    family: "secret_expired",
    codes: [7000222],
    hint: (c) =>
      `The client secret has expired: create a new one in the app registration (Certificates & secrets), update the instance, and rotate it before it expires next time. ${authResetHint(c.prefix)}`,
  },
  {
    family: "secret_invalid",
    codes: [7000215],
    hint: () =>
      "The client secret is wrong: paste the secret's Value (not its Secret ID) from the app registration's Certificates & secrets, or create a new secret.",
  },
  {
    family: "certificate_rejected",
    codes: [700027, 700024, 700023, 700030, 700021, 700025, 50012, 500212],
    hint: () =>
      "The certificate assertion was rejected: check that the certificate uploaded to the app registration matches the private key and thumbprint configured here, that it has not expired, and that this host's clock is correct.",
  },
  {
    family: "unknown_app",
    codes: [700016, 700038],
    hint: (c) =>
      `The application${c.clientId ? ` ${c.clientId}` : ""} was not found in tenant ${c.tenantId ?? "(the configured tenant)"}: check the client ID, the tenant ID and the cloud — an app registered in another tenant or national cloud does not exist in ${inCloud(c)}. A multi-tenant app must first be consented in this tenant.`,
  },
  {
    family: "wrong_cloud",
    codes: [90038, 90051, 900382, 50049],
    hint: (c) =>
      `The tenant belongs to a different national cloud than ${inCloud(c)}: choose its cloud (azure_cloud) so that the login host matches.`,
  },
  {
    family: "unknown_tenant",
    codes: [90002, 900023, 90023],
    hint: (c) =>
      `Tenant ${c.tenantId ?? "(the configured tenant)"} was not found in ${inCloud(c)}: check the tenant ID or domain, and the cloud selection.`,
  },
  {
    family: "consent_missing",
    codes: [65001, 65004, 90094, 90008, 650051, 650052, 650057],
    errors: ["consent_required"],
    suberrors: ["consent_required"],
    hint: (c) =>
      c.clientId
        ? `The required permissions have not been consented: a tenant administrator must grant consent at ${adminConsentUrl(c.cloud, c.tenantId ?? "organizations", c.clientId)}, then retry.`
        : "The required permissions have not been consented: a tenant administrator must grant admin consent for the app (Enterprise applications > Permissions), then retry.",
  },
  {
    family: "public_client_disabled",
    codes: [7000218],
    hint: () =>
      "The app does not allow public client flows: in the app registration open Authentication > Advanced settings and set 'Allow public client flows' to Yes (needed for device code), or use a client secret or certificate instead.",
  },
  {
    family: "conditional_access",
    codes: [53003, 53000, 53001, 530003, 530002, 53002, 50097, 50131, 50005],
    hint: () =>
      "Sign-in was blocked by a Conditional Access policy: ask an administrator to check the sign-in log (search by the correlation ID) and the policy, or sign in from a compliant or managed device. Device code sign-ins are often blocked by such policies.",
  },
  {
    family: "mfa_required",
    codes: [50076, 50079, 50074, 50158, 50072, 50125],
    errors: ["interaction_required", "login_required"],
    suberrors: [
      "basic_action",
      "additional_action",
      "message_only",
      "user_password_expired",
      "ui_not_allowed",
      "interrupted_user",
    ],
    hint: (c) =>
      `Multi-factor authentication or another interactive step is required: sign in again interactively${c.prefix ? ` (!${c.prefix}-auth-start)` : ""}; client credential and refresh flows cannot satisfy it.`,
  },
  {
    family: "grant_expired",
    codes: [50173, 700082, 70008, 54005, 70000, 50078, 50133, 700084],
    suberrors: ["bad_token"],
    hint: (c) => `${authResetHint(c.prefix)} ${signInAgain(c)}`,
  },
  {
    family: "resource_not_in_cloud",
    codes: [500011, 500014, 650056],
    errors: ["invalid_resource"],
    hint: (c) => {
      const graph = hasEndpoint(c.cloud, "graph")
        ? ` (for Microsoft Graph in this cloud: ${scopeFor(c.cloud, "graph")})`
        : "";
      return `The resource${c.target ? ` ${c.target}` : ""} is not available to this tenant in ${inCloud(c)}: use the scope of this cloud's API host${graph}, and check that the API is enabled and consented in the tenant.`;
    },
  },
  {
    family: "invalid_scope",
    codes: [1002012, 70011, 28000, 28002, 28003, 650053],
    errors: ["invalid_scope"],
    hint: (c) => {
      const graph = hasEndpoint(c.cloud, "graph")
        ? ` (Microsoft Graph here: ${scopeFor(c.cloud, "graph")})`
        : "";
      return `A requested scope is invalid: app-only (client credential and managed identity) tokens need exactly '<resource>/.default' with this cloud's resource host${graph}; delegated scopes must name existing permissions of the API.`;
    },
  },
  {
    family: "redirect_uri_mismatch",
    codes: [50011, 500113],
    hint: () =>
      "The redirect URI is not registered on the app: add the exact redirect URI (scheme, host, port and path) under the app registration's Authentication platforms.",
  },
  {
    family: "device_code_declined",
    errors: ["authorization_declined", "access_denied"],
    hint: (c) =>
      `The sign-in was declined. Start again${c.prefix ? ` with !${c.prefix}-auth-start` : ""} if that was a mistake.`,
  },
  {
    family: "device_code_expired",
    codes: [70018, 70019, 70020],
    errors: ["expired_token", "bad_verification_code"],
    hint: (c) =>
      `The device code has expired or is unknown: start a new sign-in${c.prefix ? ` with !${c.prefix}-auth-start` : ""}.`,
  },
  {
    family: "bad_credentials",
    codes: [50126, 50034, 50056],
    hint: () => "The user name or password is wrong, or the user does not exist in this tenant.",
  },
  {
    family: "account_problem",
    codes: [50053, 50057, 50055, 50144],
    hint: () =>
      "The account is locked, disabled or its password has expired: the user or an administrator must fix the account first.",
  },
  {
    family: "throttled",
    codes: [50196, 90055],
    hint: () =>
      "Too many identical sign-in requests: wait a few minutes, and check that tokens are cached instead of requested for every call.",
  },
  {
    family: "transient",
    codes: [90024, 50033, 90006, 90033, 50089],
    errors: ["temporarily_unavailable", "server_error"],
    hint: () => "Microsoft's sign-in service had a temporary problem: retry in a moment.",
  },
  {
    family: "malformed_request",
    codes: [9002313, 900144, 90014, 50027],
    hint: (c) =>
      `Entra could not read the request (a missing or malformed parameter). If it carried a pasted code or refresh token, copy it again exactly; if that keeps failing, ${c.prefix ? `run !${c.prefix}-auth-reset and sign in again` : "reset the stored sign-in and sign in again"}.`,
  },
  {
    family: "client_rejected",
    errors: ["invalid_client", "unauthorized_client"],
    hint: (c) =>
      `The client credentials were rejected: check the client ID, the secret or certificate, and the cloud (${inCloud(c)}).`,
  },
  {
    family: "grant_expired",
    errors: ["invalid_grant"],
    hint: (c) => `${authResetHint(c.prefix)} ${signInAgain(c)}`,
  },
];

export interface Diagnosis {
  family: HintFamily;
  hint: string;
}

/** The first rule matching the error's codes, then its `suberror`, then its `error`. */
export function diagnoseEntraError(
  entra: EntraErrorBody,
  context: DiagnosisContext = {},
): Diagnosis | undefined {
  const resolved = resolveContext(context);
  const byCode = HINT_RULES.find((rule) => rule.codes?.some((code) => entra.errorCodes.includes(code)));
  const bySuberror = entra.suberror
    ? HINT_RULES.find((rule) => rule.suberrors?.includes(entra.suberror!))
    : undefined;
  const byError = HINT_RULES.find((rule) => rule.errors?.includes(entra.error));
  const rule = byCode ?? bySuberror ?? byError;
  return rule ? { family: rule.family, hint: rule.hint(resolved) } : undefined;
}

/**
 * The error for a failed token-endpoint answer: the reference's message
 * `Error in Microsoft authorization. Status: <n>, body: <error>. <description>` (one line, no trace
 * noise, never `None: None`), every Entra field kept, and the family's hint.
 */
export function authenticationFailed(
  status: number,
  body: string | unknown,
  context: DiagnosisContext = {},
): AuthenticationFailedError {
  const text = typeof body === "string" ? body : JSON.stringify(body ?? "");
  const entra = parseEntraError(text);
  const summary = entraErrorSummary(text);
  const message = `Error in Microsoft authorization. Status: ${status}${summary ? `, body: ${summary}` : "."}`;
  const diagnosis = entra ? diagnoseEntraError(entra, context) : undefined;
  const ids = entra ? traceLine(entra) : "";
  return new AuthenticationFailedError(`${message}${ids}`, {
    status,
    ...(entra ? { entra } : {}),
    ...(diagnosis ? { family: diagnosis.family, hint: diagnosis.hint } : {}),
  });
}

/** A transport failure while talking to the identity platform, in the reference's wording. */
export function authenticationUnreachable(error: {
  message: string;
  hint?: string | undefined;
}): AuthenticationFailedError {
  return new AuthenticationFailedError(`Error in Microsoft authorization: ${oneLine(error.message, 300)}`, {
    ...(error.hint ? { hint: error.hint } : {}),
    cause: error,
  });
}

function traceLine(entra: EntraErrorBody): string {
  const parts = [
    entra.traceId ? `trace ID ${entra.traceId}` : "",
    entra.correlationId ? `correlation ID ${entra.correlationId}` : "",
  ].filter(Boolean);
  return parts.length > 0 ? ` (${parts.join(", ")})` : "";
}

function resolveContext(context: DiagnosisContext): ResolvedContext {
  return {
    prefix: context.commandPrefix?.replace(/^!/, "").replace(/-auth-reset$/, "") || undefined,
    cloud: context.cloud ?? CLOUDS.com,
    tenantId: context.tenantId || undefined,
    clientId: context.clientId || undefined,
    target: context.target || undefined,
  };
}

// ---------------------------------------------------------------------------------------------------------
// explainToken

export interface RequiredPermissions {
  /** Application permissions (app roles), compared with the token's `roles`. */
  application?: readonly string[];
  /** Delegated permissions, compared with the token's `scp`. */
  delegated?: readonly string[];
}

export interface TokenExplanation {
  kind: "application" | "delegated";
  audience: string | undefined;
  issuer: string | undefined;
  tenantId: string | undefined;
  /** `appid` (v1) or `azp` (v2): the client the token was issued to. */
  clientId: string | undefined;
  appDisplayName: string | undefined;
  /** `upn` / `preferred_username` / `unique_name`, for delegated tokens. */
  user: string | undefined;
  objectId: string | undefined;
  roles: string[];
  scopes: string[];
  issuedAt: Date | undefined;
  notBefore: Date | undefined;
  expiresAt: Date | undefined;
  expired: boolean;
  /** The permissions needed but not present (an `X.ReadWrite.All` counts for `X.Read.All`). */
  missing: string[];
  /** Human-readable lines, with no token material in them. */
  lines: string[];
}

/**
 * A JWS compact token's claims, unverified, as jose's `decodeJwt` reads them. Written out (eight lines)
 * because this module is on every token request's path and loading jose costs each CLI start ~20 ms.
 */
function decodeClaims(jwt: string): Record<string, unknown> {
  const parts = jwt.split(".");
  if (parts.length !== 3 || !/^[\w-]+$/.test(parts[1]!)) throw new TypeError("not a JWS compact token");
  const claims: unknown = JSON.parse(Buffer.from(parts[1]!, "base64url").toString("utf8"));
  if (typeof claims !== "object" || claims === null || Array.isArray(claims)) {
    throw new TypeError("the payload is not a JSON object");
  }
  return claims as Record<string, unknown>;
}

/**
 * Decodes an access token's claims (without verifying it: this is diagnosis, not authorization) and
 * compares them with the permissions an integration needs. The token itself never appears in the result
 * or in an error.
 */
export function explainToken(
  token: string,
  required: RequiredPermissions | readonly string[] = {},
  now: number = Date.now(),
): TokenExplanation {
  let claims: Record<string, unknown>;
  try {
    claims = decodeClaims(token.replace(/^Bearer\s+/i, "").trim());
  } catch {
    throw new ConfigurationError(
      "That is not a JWT access token (it cannot be decoded).",
      "Pass the access token itself (three dot-separated parts), not a refresh token or an ID.",
    );
  }
  const roles = stringList(claims.roles);
  const scopes = typeof claims.scp === "string" ? claims.scp.split(" ").filter(Boolean) : [];
  const kind = scopes.length > 0 || claims.idtyp === "user" ? "delegated" : "application";
  const needed = neededPermissions(required, kind);
  const granted = kind === "application" ? roles : scopes;
  const missing = needed.filter((permission) => !grants(granted, permission));
  const explanation: TokenExplanation = {
    kind,
    audience: text(claims.aud),
    issuer: text(claims.iss),
    tenantId: text(claims.tid),
    clientId: text(claims.appid) ?? text(claims.azp),
    appDisplayName: text(claims.app_displayname),
    user: text(claims.upn) ?? text(claims.preferred_username) ?? text(claims.unique_name),
    objectId: text(claims.oid),
    roles,
    scopes,
    issuedAt: date(claims.iat),
    notBefore: date(claims.nbf),
    expiresAt: date(claims.exp),
    expired: typeof claims.exp === "number" && claims.exp * 1000 <= now,
    missing,
    lines: [],
  };
  explanation.lines = describe(explanation, needed);
  return explanation;
}

/** Throws a PermissionDeniedError naming what is missing, or returns the explanation when nothing is. */
export function requirePermissions(
  token: string,
  required: RequiredPermissions | readonly string[],
  now: number = Date.now(),
): TokenExplanation {
  const explanation = explainToken(token, required, now);
  if (explanation.missing.length === 0) return explanation;
  const where = explanation.kind === "application" ? "application permission(s)" : "delegated permission(s)";
  throw new PermissionDeniedError(`The token lacks the ${where}: ${explanation.missing.join(", ")}.`, {
    missing: explanation.missing,
    hint:
      explanation.kind === "application"
        ? "Add them under the app registration's API permissions as Application permissions, grant admin consent, then get a new token."
        : "Add them as Delegated permissions, consent, then sign in again to get a token that carries them.",
  });
}

function neededPermissions(
  required: RequiredPermissions | readonly string[],
  kind: TokenExplanation["kind"],
): string[] {
  if (isPermissionList(required)) return [...required];
  return [...((kind === "application" ? required.application : required.delegated) ?? [])];
}

function isPermissionList(value: RequiredPermissions | readonly string[]): value is readonly string[] {
  return Array.isArray(value);
}

/** `X.ReadWrite.All` includes `X.Read.All`, `X.ReadWrite` includes `X.Read` (Microsoft's naming rule). */
function grants(granted: readonly string[], permission: string): boolean {
  const lower = granted.map((item) => item.toLowerCase());
  const wanted = permission.toLowerCase();
  return (
    lower.includes(wanted) ||
    (wanted.includes(".read") && lower.includes(wanted.replace(".read", ".readwrite")))
  );
}

function describe(explanation: TokenExplanation, needed: readonly string[]): string[] {
  const lines = [
    `Token kind: ${explanation.kind === "application" ? "application (app-only)" : "delegated (user)"}`,
    `Audience: ${explanation.audience ?? "(none)"}`,
    `Tenant: ${explanation.tenantId ?? "(none)"}`,
    `Client: ${explanation.clientId ?? "(none)"}${explanation.appDisplayName ? ` (${explanation.appDisplayName})` : ""}`,
  ];
  if (explanation.user) lines.push(`User: ${explanation.user}`);
  lines.push(
    explanation.kind === "application"
      ? `Roles: ${explanation.roles.join(", ") || "(none)"}`
      : `Scopes: ${explanation.scopes.join(" ") || "(none)"}`,
  );
  if (explanation.expiresAt) {
    lines.push(`${explanation.expired ? "Expired" : "Expires"}: ${explanation.expiresAt.toISOString()}`);
  }
  if (needed.length > 0) {
    lines.push(
      explanation.missing.length === 0
        ? `All required permissions present: ${needed.join(", ")}`
        : `Missing: ${explanation.missing.join(", ")}`,
    );
  }
  return lines;
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : [];
}

function text(value: unknown): string | undefined {
  if (typeof value === "string" && value !== "") return value;
  if (Array.isArray(value) && typeof value[0] === "string") return value[0];
  return undefined;
}

function date(value: unknown): Date | undefined {
  return typeof value === "number" ? new Date(value * 1000) : undefined;
}
