/**
 * What every credential shares: where the authority is, how to talk HTTP, the clock, and a default
 * target for `getToken()` calls that name none.
 */
import { type Cloud, authorityHost as cloudAuthorityHost } from "../clouds/index.ts";
import type { TokenTarget } from "../protocol/token-request.ts";
import type { DiagnosisContext } from "./diagnostics.ts";
import { ConfigurationError } from "./errors.ts";
import { type AuthHttp, defaultAuthHttp } from "./transport.ts";
import { defaultTarget } from "./types.ts";

export const PUBLIC_AUTHORITY_HOST = "https://login.microsoftonline.com";

export interface CommonCredentialOptions {
  /** The national cloud (from src/clouds); its login host is the default authority host. */
  cloud?: Cloud;
  /**
   * Login host, e.g. `https://login.microsoftonline.us` (the emulator's URL in tests). Default: the cloud's,
   * else `$AZURE_AUTHORITY_HOST`, else the public cloud.
   */
  authorityHost?: string;
  /** The integration's command prefix, named in hints (`!<prefix>-auth-reset`). */
  commandPrefix?: string;
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
  /** What error hints need to know (cloud, prefix); flows add tenant, client and target. */
  diagnosis: DiagnosisContext;
}

export function resolveCommon(options: CommonCredentialOptions): ResolvedCommon {
  const env = options.env ?? process.env;
  const host =
    options.authorityHost ??
    (options.cloud ? cloudAuthorityHost(options.cloud) : undefined) ??
    env.AZURE_AUTHORITY_HOST ??
    PUBLIC_AUTHORITY_HOST;
  return {
    authorityHost: host.replace(/\/+$/, ""),
    http: options.http ?? defaultAuthHttp(),
    now: options.now ?? Date.now,
    defaultTarget: defaultTarget(options),
    env,
    diagnosis: {
      ...(options.cloud ? { cloud: options.cloud } : {}),
      ...(options.commandPrefix ? { commandPrefix: options.commandPrefix } : {}),
    },
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
export function configurationError(message: string, hint: string): ConfigurationError {
  return new ConfigurationError(message, hint);
}
