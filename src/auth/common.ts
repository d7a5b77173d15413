/**
 * What every credential shares: where the authority is, how to talk HTTP, the clock, and a default
 * target for `getToken()` calls that name none.
 */
import { EntrakitError } from "../errors.ts";
import type { TokenTarget } from "../protocol/token-request.ts";
import { type AuthHttp, defaultAuthHttp } from "./transport.ts";

export const PUBLIC_AUTHORITY_HOST = "https://login.microsoftonline.com";

export interface CommonCredentialOptions {
  /** Login host of the cloud, e.g. `https://login.microsoftonline.us`. Default: `$AZURE_AUTHORITY_HOST`, else the public cloud. */
  authorityHost?: string;
  /** The HTTP transport (proxy, TLS, timeouts). Default: a shared keep-alive client. */
  http?: AuthHttp;
  /** Clock in milliseconds since the epoch (tests inject one). */
  now?: () => number;
  /** Default v2 scopes for `getToken()` without arguments. */
  scopes?: string[];
  /** Default v1 resource for `getToken()` without arguments. */
  resource?: string;
  /** Environment to read `AZURE_*` variables from. Default `process.env`. */
  env?: Record<string, string | undefined>;
}

export interface ResolvedCommon {
  authorityHost: string;
  http: AuthHttp;
  now: () => number;
  defaultTarget: TokenTarget | undefined;
  env: Record<string, string | undefined>;
}

export function resolveCommon(options: CommonCredentialOptions): ResolvedCommon {
  const env = options.env ?? process.env;
  const host = options.authorityHost ?? env.AZURE_AUTHORITY_HOST ?? PUBLIC_AUTHORITY_HOST;
  return {
    authorityHost: host.replace(/\/+$/, ""),
    http: options.http ?? defaultAuthHttp(),
    now: options.now ?? Date.now,
    defaultTarget: options.scopes?.length
      ? { scopes: options.scopes }
      : options.resource
        ? { resource: options.resource }
        : undefined,
    env,
  };
}

/** A required string option, or a one-line configuration error naming it. */
export function required(value: string | undefined, name: string, credential: string): string {
  if (!value || value.trim() === "") {
    throw configurationError(`${credential} needs ${name}.`, `Set ${name} in the instance configuration.`);
  }
  return value.trim();
}

/** A one-line configuration error that says what to fix. */
export function configurationError(message: string, hint: string): EntrakitError {
  return new EntrakitError("configuration", message, { hint });
}
