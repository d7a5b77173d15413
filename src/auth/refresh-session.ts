/**
 * Delegated tokens after sign-in: the stored refresh token is redeemed for any target (Entra refresh
 * tokens are multi-resource) and rotated. A response without a refresh token never erases the one we
 * have (the reference overwrote it with '').
 */
import type { TokenTarget } from "../protocol/token-request.ts";
import { refreshTokenRequest, targetVersion, tokenEndpoint } from "../protocol/token-request.ts";
import type { TokenResponse } from "../protocol/token-response.ts";
import type { ClientAuthStrategy } from "./client-auth.ts";
import { toAccessToken } from "./client-credentials.ts";
import type { ResolvedCommon } from "./common.ts";
import { AuthenticationRequiredError } from "./errors.ts";
import { type AuthState, refreshTokenKey } from "./persistence.ts";
import { requestToken } from "./token-endpoint.ts";
import { type AccessToken, targetScopes } from "./types.ts";

interface StoredRefreshToken {
  [key: string]: string | number;
  refreshToken: string;
  savedAt: number;
}

export class RefreshSession {
  readonly #common: ResolvedCommon;
  readonly #state: AuthState;
  readonly #tenant: string;
  readonly #clientId: string;
  readonly #auth: ClientAuthStrategy;
  readonly #key: string;
  readonly #signInHint: string;

  constructor(input: {
    common: ResolvedCommon;
    state: AuthState;
    tenant: string;
    clientId: string;
    auth: ClientAuthStrategy;
    /** What the user should run to sign in again (e.g. the auth-start command). */
    signInHint: string;
  }) {
    this.#common = input.common;
    this.#state = input.state;
    this.#tenant = input.tenant;
    this.#clientId = input.clientId;
    this.#auth = input.auth;
    this.#signInHint = input.signInHint;
    this.#key = refreshTokenKey(input.common.authorityHost, input.tenant, input.clientId);
  }

  async refreshToken(): Promise<string | undefined> {
    return (await this.#state.get<StoredRefreshToken>(this.#key))?.refreshToken;
  }

  /** Keeps the rotated refresh token; a response without one leaves the stored one in place. */
  async remember(response: TokenResponse): Promise<void> {
    if (response.refreshToken) await this.saveRefreshToken(response.refreshToken);
  }

  async saveRefreshToken(refreshToken: string): Promise<void> {
    await this.#state.set(this.#key, { refreshToken, savedAt: this.#common.now() });
  }

  async forget(): Promise<void> {
    await this.#state.delete(this.#key);
  }

  async hasRefreshToken(): Promise<boolean> {
    return (await this.refreshToken()) !== undefined;
  }

  /**
   * A token for `target` from the stored refresh token, or an `authentication_required` error. The
   * rotated refresh token is committed before the access token is returned, and no two redemptions of
   * one refresh token overlap, across processes too (AuthState.rotate).
   */
  redeem(target: TokenTarget, claims: string | undefined): Promise<AccessToken> {
    return this.#state.rotate(this.#key, async (current) => {
      const refreshToken = (current as StoredRefreshToken | undefined)?.refreshToken;
      if (!refreshToken) {
        throw new AuthenticationRequiredError("Nobody has signed in with this configuration yet.", {
          hint: this.#signInHint,
        });
      }
      const url = tokenEndpoint({
        authorityHost: this.#common.authorityHost,
        tenant: this.#tenant,
        version: targetVersion(target),
      });
      const fields = refreshTokenRequest({
        clientId: this.#clientId,
        target,
        clientAuth: await this.#auth(url),
        refreshToken,
        ...(claims ? { claims } : {}),
      });
      const response = await requestToken(this.#common.http, url, fields, this.#common.now, {
        ...this.#common.diagnosis,
        tenantId: this.#tenant,
        clientId: this.#clientId,
        target: targetScopes(target).join(" "),
      });
      const result = toAccessToken(response, target);
      if (!response.refreshToken) return { result };
      const next: StoredRefreshToken = { refreshToken: response.refreshToken, savedAt: this.#common.now() };
      return { result, next };
    });
  }
}
