/**
 * Token endpoint and managed identity responses, parsed defensively: Entra sends `expires_in` as a number,
 * older endpoints and IMDS as a string; managed identity sources send `expires_on` as epoch seconds (string
 * or number) or, on old App Service versions, a date string.
 */
import { EntrakitError } from "../errors.ts";

/** The reference module's default lifetime when a response carries none. */
export const DEFAULT_LIFETIME_SECONDS = 3595;

/** msal's rule for long-lived tokens without `refresh_in`: refresh at half the lifetime past two hours. */
const HALF_LIFE_THRESHOLD_SECONDS = 7200;

export interface TokenResponse {
  accessToken: string;
  tokenType: string;
  /** Milliseconds since the epoch. */
  expiresOn: number;
  /** When to refresh proactively (from `refresh_in`, or half the lifetime for tokens over two hours). */
  refreshOn?: number;
  extExpiresOn?: number;
  /** Present only when the response carried a non-empty refresh token. */
  refreshToken?: string;
  /** The scopes Entra granted (space-separated `scope`), when it says. */
  grantedScopes?: string[];
  idToken?: string;
}

/** Parses a successful (2xx) token endpoint body. `now` is milliseconds since the epoch. */
export function parseTokenResponse(body: unknown, now: number): TokenResponse {
  const record = asRecord(body);
  const accessToken = record.access_token;
  if (typeof accessToken !== "string" || accessToken === "") {
    throw new EntrakitError("authentication_failed", "The token endpoint answered without an access_token.", {
      hint: "Check that the authority host points at a Microsoft identity endpoint.",
    });
  }
  const expiresIn = seconds(record.expires_in);
  const expiresOnField = epochSeconds(record.expires_on);
  const lifetime =
    expiresIn ??
    (expiresOnField !== undefined ? expiresOnField - Math.floor(now / 1000) : DEFAULT_LIFETIME_SECONDS);
  const expiresOn =
    expiresIn === undefined && expiresOnField !== undefined ? expiresOnField * 1000 : now + lifetime * 1000;
  const refreshIn = seconds(record.refresh_in);
  const extExpiresIn = seconds(record.ext_expires_in);
  const result: TokenResponse = {
    accessToken,
    tokenType: typeof record.token_type === "string" ? record.token_type : "Bearer",
    expiresOn,
  };
  if (refreshIn !== undefined) result.refreshOn = now + refreshIn * 1000;
  else if (lifetime > HALF_LIFE_THRESHOLD_SECONDS) result.refreshOn = now + (lifetime * 1000) / 2;
  if (extExpiresIn !== undefined) result.extExpiresOn = now + extExpiresIn * 1000;
  if (typeof record.refresh_token === "string" && record.refresh_token !== "") {
    result.refreshToken = record.refresh_token;
  }
  if (typeof record.scope === "string" && record.scope !== "") {
    result.grantedScopes = record.scope.split(" ").filter(Boolean);
  }
  if (typeof record.id_token === "string") result.idToken = record.id_token;
  return result;
}

/** A duration in whole seconds from a number or a numeric string; undefined when absent or malformed. */
export function seconds(value: unknown): number | undefined {
  if (typeof value === "number" && Number.isFinite(value)) return Math.trunc(value);
  if (typeof value === "string" && /^\s*\d+(\.\d+)?\s*$/.test(value)) return Math.trunc(Number(value));
  return undefined;
}

/** An absolute time in epoch seconds from a number, a numeric string or a date string. */
export function epochSeconds(value: unknown): number | undefined {
  const numeric = seconds(value);
  if (numeric !== undefined) return numeric;
  if (typeof value === "string" && value.trim() !== "") {
    const parsed = Date.parse(value);
    if (!Number.isNaN(parsed)) return Math.floor(parsed / 1000);
  }
  return undefined;
}

function asRecord(body: unknown): Record<string, unknown> {
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw new EntrakitError(
      "authentication_failed",
      "The token endpoint answered with a body that is not a JSON object.",
      {
        hint: "Check that the authority host points at a Microsoft identity endpoint.",
      },
    );
  }
  return body as Record<string, unknown>;
}
