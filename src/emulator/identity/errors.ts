/**
 * Entra ID's error catalogue as the emulator reproduces it: one row per AADSTS code with the OAuth
 * `error`, the HTTP status and the message text (paraphrasing Entra's wording), and the builder of
 * Entra's error body: `error_description` starts with `AADSTSnnnn:` and ends with the Trace ID,
 * Correlation ID and Timestamp lines.
 */
import { randomUUID } from "node:crypto";

export interface AadstsEntry {
  error: string;
  status: number;
  /** Message with `{name}` placeholders filled from the details. */
  message: string;
  suberror?: string;
}

export const AADSTS = {
  28000: {
    error: "invalid_scope",
    status: 400,
    message:
      "Provided value for the input parameter scope is not valid because it contains more than one resource. Scope {scope} is not valid.",
  },
  50011: {
    error: "invalid_request",
    status: 400,
    message:
      "The redirect URI '{redirectUri}' specified in the request does not match the redirect URIs configured for the application '{clientId}'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal. Navigate to https://aka.ms/redirectUriMismatchError to learn more about how to fix this.",
  },
  50013: { error: "invalid_client", status: 401, message: "Assertion failed validation: {reason}." },
  50027: { error: "invalid_request", status: 400, message: "JWT token is invalid or malformed." },
  50034: {
    error: "invalid_grant",
    status: 400,
    message:
      "The user account {EUII Hidden} does not exist in the {tenantId} directory. To sign into this application, the account must be added to the directory.",
  },
  50058: {
    error: "login_required",
    status: 400,
    message: "A silent sign-in request was sent but no user is signed in.",
  },
  50059: {
    error: "invalid_request",
    status: 400,
    message:
      "No tenant-identifying information found in either the request or implied by any provided credentials.",
  },
  50126: {
    error: "invalid_grant",
    status: 400,
    message: "Error validating credentials due to invalid username or password.",
  },
  50173: {
    error: "invalid_grant",
    status: 400,
    message:
      "The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password. The grant was issued on '{issuedAt}' and the TokensValidFrom date (before which tokens are not valid) for this user is '{validFrom}'.",
    suberror: "bad_token",
  },
  50194: {
    error: "invalid_request",
    status: 400,
    message:
      "Application '{clientId}'({appName}) is not configured as a multi-tenant application. Usage of the /common endpoint is not supported for such applications created after '10/15/2018'. Use a tenant-specific endpoint or configure the application to be multi-tenant.",
  },
  50196: {
    error: "slow_down",
    status: 400,
    message:
      "The server terminated an operation because it encountered a client request loop. Poll no faster than every {interval} seconds.",
  },
  54005: {
    error: "invalid_grant",
    status: 400,
    message:
      "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.",
  },
  65001: {
    error: "invalid_grant",
    status: 400,
    message:
      "The user or administrator has not consented to use the application with ID '{clientId}' named '{appName}'. Send an interactive authorization request for this user and resource.",
    suberror: "consent_required",
  },
  65004: { error: "access_denied", status: 400, message: "User declined to consent to access the app." },
  70000: {
    error: "authorization_declined",
    status: 400,
    message: "The end user denied the authorization request.",
  },
  70003: {
    error: "unsupported_grant_type",
    status: 400,
    message: "The app requested an unsupported grant type '{grantType}'.",
  },
  70008: {
    error: "invalid_grant",
    status: 400,
    message:
      "The provided authorization code or refresh token has expired due to inactivity or was already used. Send a new interactive authorization request for this user and resource.",
  },
  70011: {
    error: "invalid_scope",
    status: 400,
    message:
      "The provided value for the input parameter 'scope' is not valid. The scope {scope} is not valid.",
  },
  70016: {
    error: "authorization_pending",
    status: 400,
    message: "OAuth 2.0 device flow error. Authorization is pending. Continue polling.",
  },
  70018: { error: "bad_verification_code", status: 400, message: "Invalid verification code entered." },
  70019: { error: "expired_token", status: 400, message: "Verification code expired." },
  90002: {
    error: "invalid_request",
    status: 400,
    message:
      "Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.",
  },
  90094: { error: "access_denied", status: 400, message: "The grant requires admin permission." },
  500011: {
    error: "invalid_resource",
    status: 400,
    message:
      "The resource principal named {resource} was not found in the tenant named {tenant}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.",
  },
  501481: {
    error: "invalid_grant",
    status: 400,
    message: "The Code_Verifier does not match the code_challenge supplied in the authorization request.",
  },
  700005: {
    error: "invalid_grant",
    status: 400,
    message: "Provided Authorization Code is intended to use against other tenant, thus rejected.",
  },
  700016: {
    error: "unauthorized_client",
    status: 400,
    message:
      "Application with identifier '{clientId}' was not found in the directory '{tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.",
  },
  700021: {
    error: "invalid_client",
    status: 401,
    message:
      "Client assertion application identifier doesn't match 'client_id' parameter. Review the documentation at https://docs.microsoft.com/en-us/azure/active-directory/develop/active-directory-certificate-credentials .",
  },
  700024: {
    error: "invalid_client",
    status: 401,
    message:
      "Client assertion is not within its valid time range. Current time: {now}, assertion valid from {nbf}, expiry time of assertion {exp}. Review the documentation at https://docs.microsoft.com/en-us/azure/active-directory/develop/active-directory-certificate-credentials .",
  },
  700027: {
    error: "invalid_client",
    status: 401,
    message:
      "Client assertion failed signature validation. [Reason - {reason}, Thumbprint of key used by client: '{thumbprint}', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '{clientId}'.]",
  },
  700082: {
    error: "invalid_grant",
    status: 400,
    message:
      "The refresh token has expired due to inactivity. The token was issued on {issuedAt} and was inactive for {inactiveFor}.",
  },
  900023: {
    error: "invalid_request",
    status: 400,
    message:
      "Specified tenant identifier '{tenant}' is neither a valid DNS name, nor a valid external domain.",
  },
  900144: {
    error: "invalid_request",
    status: 400,
    message: "The request body must contain the following parameter: '{parameter}'.",
  },
  1002012: {
    error: "invalid_scope",
    status: 400,
    message:
      "The provided value for scope {scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).",
  },
  7000215: {
    error: "invalid_client",
    status: 401,
    message:
      "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{clientId}'.",
  },
  7000218: {
    error: "invalid_client",
    status: 401,
    message: "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
  },
  7000222: {
    error: "invalid_client",
    status: 401,
    message:
      "The provided client secret keys for app '{clientId}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds.",
  },
  9002313: {
    error: "invalid_request",
    status: 400,
    message: "Invalid request. Request is malformed or invalid.",
  },
} as const satisfies Record<number, AadstsEntry>;

export type AadstsCode = keyof typeof AADSTS;

/** A failure the identity endpoints answer with Entra's error body. */
export class AadstsError extends Error {
  readonly code: AadstsCode;
  readonly details: Record<string, string | number>;
  /** Overrides the catalogue's `error` (e.g. `interaction_required` variants). */
  readonly errorOverride: string | undefined;

  constructor(code: AadstsCode, details: Record<string, string | number> = {}, errorOverride?: string) {
    super(`AADSTS${code}: ${fill(AADSTS[code].message, details)}`);
    this.name = "AadstsError";
    this.code = code;
    this.details = details;
    this.errorOverride = errorOverride;
  }

  get entry(): AadstsEntry {
    return AADSTS[this.code];
  }

  get oauthError(): string {
    return this.errorOverride ?? this.entry.error;
  }
}

export interface EntraErrorBody {
  error: string;
  error_description: string;
  error_codes: number[];
  timestamp: string;
  trace_id: string;
  correlation_id: string;
  error_uri: string;
  suberror?: string;
}

/** Entra's `YYYY-MM-DD hh:mm:ssZ`. */
export function entraTimestamp(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19).replace("T", " ")}Z`;
}

export function errorBody(
  error: AadstsError,
  now: number,
  correlationId: string | undefined,
  traceId: string = randomUUID(),
): EntraErrorBody {
  const timestamp = entraTimestamp(now);
  const correlation = correlationId && /^[0-9a-f-]{36}$/i.test(correlationId) ? correlationId : randomUUID();
  const body: EntraErrorBody = {
    error: error.oauthError,
    error_description: `${error.message}\r\nTrace ID: ${traceId}\r\nCorrelation ID: ${correlation}\r\nTimestamp: ${timestamp}`,
    error_codes: [error.code],
    timestamp,
    trace_id: traceId,
    correlation_id: correlation,
    error_uri: `https://login.microsoftonline.com/error?code=${error.code}`,
  };
  if (error.entry.suberror) body.suberror = error.entry.suberror;
  return body;
}

function fill(template: string, details: Record<string, string | number>): string {
  return template.replace(/\{([A-Za-z]+)\}/g, (match, name: string) =>
    name in details ? String(details[name]) : match,
  );
}
