/**
 * The authentication error taxonomy, on the one base in src/errors.ts. It separates "not configured" from
 * "the server said no" (which keeps every field of Entra's error body) from "a person must act first".
 * Transport errors are defined in src/http/errors.ts and re-exported here so callers import one module.
 */
import { EntrakitError, type EntrakitErrorOptions } from "../errors.ts";
import type { EntraErrorBody } from "../protocol/entra-error.ts";

export {
  HttpStatusError,
  NetworkError,
  type NetworkFailureKind,
  ThrottledError,
} from "../http/errors.ts";

export interface AuthenticationFailedOptions extends EntrakitErrorOptions {
  /** HTTP status of the token endpoint's answer, when there was one. */
  status?: number;
  /** The parsed Entra error body, kept whole for diagnosis. */
  entra?: EntraErrorBody;
  /** The diagnosis family that produced the hint (see src/auth/diagnostics.ts). */
  family?: string;
}

/** The identity platform refused: wrong secret, unknown app, consent missing, grant expired... */
export class AuthenticationFailedError extends EntrakitError {
  readonly status: number | undefined;
  /** OAuth `error` (`invalid_client`, `invalid_grant`...). */
  readonly error: string | undefined;
  readonly errorDescription: string | undefined;
  /** AADSTS numbers; empty when the answer had none. */
  readonly errorCodes: readonly number[];
  readonly traceId: string | undefined;
  readonly correlationId: string | undefined;
  readonly timestamp: string | undefined;
  readonly suberror: string | undefined;
  /** A claims challenge to pass back on the next token request. */
  readonly claims: string | undefined;
  readonly family: string | undefined;

  constructor(message: string, options: AuthenticationFailedOptions = {}) {
    super("authentication_failed", message, options);
    this.name = "AuthenticationFailedError";
    const entra = options.entra;
    this.status = options.status;
    this.error = entra?.error;
    this.errorDescription = entra?.errorDescription;
    this.errorCodes = entra?.errorCodes ?? [];
    this.traceId = entra?.traceId;
    this.correlationId = entra?.correlationId;
    this.timestamp = entra?.timestamp;
    this.suberror = entra?.suberror;
    this.claims = entra?.claims;
    this.family = options.family;
  }
}

/** No usable sign-in yet: a device code or authorization code flow must be completed first. */
export class AuthenticationRequiredError extends EntrakitError {
  constructor(message: string, options: EntrakitErrorOptions = {}) {
    super("authentication_required", message, options);
    this.name = "AuthenticationRequiredError";
  }
}

/** A device code sign-in is still waiting for the user (single-poll mode reports this with its own exit status). */
export class AuthorizationPendingError extends EntrakitError {
  constructor(message: string, options: EntrakitErrorOptions = {}) {
    super("authorization_pending", message, options);
    this.name = "AuthorizationPendingError";
  }
}

/** The identity is known but lacks a permission or role; `missing` names them when known. */
export class PermissionDeniedError extends EntrakitError {
  readonly missing: readonly string[];

  constructor(message: string, options: EntrakitErrorOptions & { missing?: readonly string[] } = {}) {
    super("permission_denied", message, options);
    this.name = "PermissionDeniedError";
    this.missing = options.missing ?? [];
  }
}

/** A setting is missing or malformed; the hint names the setting to fix. */
export class ConfigurationError extends EntrakitError {
  constructor(message: string, hint: string, options: { cause?: unknown } = {}) {
    super("configuration", message, { hint, cause: options.cause });
    this.name = "ConfigurationError";
  }
}
