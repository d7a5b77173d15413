/**
 * What every identity flow works with: the core's clock, directory and token service (the concrete
 * in-memory implementations, whose extra lookups the flows need), the grant state and the options read
 * from the `identity` section of the emulator config.
 */
import { z } from "zod";
import { EntrakitError } from "../../errors.ts";
import type { Clock, EmulatorCore, RequestContext } from "../contracts.ts";
import { MemoryDirectory } from "../directory.ts";
import { EmulatorTokenService } from "../tokens.ts";
import type { IdentityState } from "./state.ts";

export const identityOptionsSchema = z.strictObject({
  /**
   * Refuse a client assertion whose `jti` was seen before. Off by default: Entra accepts a reused
   * assertion and msal-node reuses its assertion until it expires.
   */
  rejectAssertionReplay: z.boolean().default(false),
  deviceCodeIntervalSeconds: z.number().int().min(1).max(60).default(5),
  deviceCodeLifetimeSeconds: z.number().int().min(10).max(3600).default(900),
  accessTokenLifetimeSeconds: z.number().int().min(60).max(86_400).default(3599),
  /**
   * What redeeming a refresh token does to it. "single-use" (the default): it is consumed, a second use is
   * AADSTS70008 (the strictest server a client may meet). "entra": it stays valid until its inactivity
   * limit or a revocation, as on the real Microsoft identity platform, which does not revoke a refresh
   * token when it is redeemed.
   */
  refreshTokenReuse: z.enum(["single-use", "entra"]).default("single-use"),
});

export type IdentityOptions = z.infer<typeof identityOptionsSchema>;

export interface IdentityContext {
  core: EmulatorCore;
  clock: Clock;
  directory: MemoryDirectory;
  tokens: EmulatorTokenService;
  state: IdentityState;
  options: IdentityOptions;
}

export function identityContext(
  core: EmulatorCore,
  state: IdentityState,
  config: Record<string, unknown>,
): IdentityContext {
  if (!(core.directory instanceof MemoryDirectory) || !(core.tokens instanceof EmulatorTokenService)) {
    throw new TypeError("The identity module needs the emulator's own directory and token service.");
  }
  const parsed = identityOptionsSchema.safeParse(config.identity ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new EntrakitError(
      "configuration",
      `Invalid emulator config: identity.${issue.path.join(".")}: ${issue.message}.`,
    );
  }
  return {
    core,
    clock: core.clock,
    directory: core.directory,
    tokens: core.tokens,
    state,
    options: parsed.data,
  };
}

/** Origins the request could have been addressed to: the emulator's base URL and the Host it came in on. */
export function requestOrigins(ic: IdentityContext, ctx: RequestContext): string[] {
  const scheme = (ctx.req.socket as { encrypted?: boolean }).encrypted ? "https" : "http";
  const origins = [new URL(ic.core.baseUrl()).origin];
  if (ctx.req.headers.host) origins.push(`${scheme}://${ctx.req.headers.host}`);
  return origins;
}

/** The origin this request reached, for URLs we hand back (verification_uri, form actions). */
export function requestBase(ic: IdentityContext, ctx: RequestContext): string {
  return requestOrigins(ic, ctx).at(-1)!;
}
