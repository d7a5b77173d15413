/**
 * Delegated tokens through the authorization code grant. `createLoginUrl` builds the sign-in URL on the
 * cloud's login host (state + PKCE S256 + offline_access) and keeps the pending sign-in (sealed);
 * `redeem` takes what the user pastes back (the code or the whole redirect URL), checks `state` and
 * exchanges the code; after that, `getToken` serves any target from the rotated refresh token. For
 * compatibility, a configured code starting with `refresh_token:` is taken as a refresh token.
 */
import { buildLoginUrl, type LoginUrlInput } from "../protocol/login-url.ts";
import { createPkce, createState } from "../protocol/pkce.ts";
import { extractAuthorizationCode } from "../protocol/redirect.ts";
import { authorizationCodeRequest, type TokenTarget, tokenEndpoint } from "../protocol/token-request.ts";
import { type ClientAuthStrategy, type ClientCredentialChoice, chooseClientAuth } from "./client-auth.ts";
import { toAccessToken } from "./client-credentials.ts";
import {
  type CommonCredentialOptions,
  configurationError,
  type ResolvedCommon,
  required,
  resolveCommon,
} from "./common.ts";
import { AuthenticationFailedError } from "./errors.ts";
import { AuthState, type AuthStateOptions } from "./persistence.ts";
import { RefreshSession } from "./refresh-session.ts";
import { requestToken } from "./token-endpoint.ts";
import { TokenMemo } from "./token-memo.ts";
import { type AccessToken, type GetTokenOptions, resolveTarget, type TokenCredential } from "./types.ts";

export const DEFAULT_REDIRECT_URI = "https://localhost/myapp";
/** The reference's testing shortcut: `refresh_token:<rt>` in the authorization code field. */
export const REFRESH_TOKEN_PREFIX = "refresh_token:";
/** A pending sign-in is useful for as long as Microsoft's sign-in page session (and our patience). */
const PENDING_SIGN_IN_TTL_MS = 30 * 60_000;
const PENDING_KEY = "auth.pending_sign_in";

export interface AuthorizationCodeCredentialOptions
  extends CommonCredentialOptions,
    ClientCredentialChoice,
    AuthStateOptions {
  tenantId: string;
  clientId: string;
  /** Must match a redirect URI of the app registration. Default `https://localhost/myapp`. */
  redirectUri?: string;
  /** Scopes asked for at sign-in (and the default target). */
  scopes: string[];
  /** A code (or redirect URL) pasted into the configuration, or `refresh_token:<rt>`. */
  authorizationCode?: string;
  /** What the user runs to get a new login URL (shown in errors). */
  signInHint?: string;
  /** Randomness for state and PKCE (tests inject it). */
  random?: (size: number) => Uint8Array;
}

interface PendingSignIn {
  [key: string]: string | number;
  state: string;
  verifier: string;
  redirectUri: string;
  createdAt: number;
}

export interface LoginUrlOptions {
  /** Override the redirect URI (loopback sign-in uses its own). */
  redirectUri?: string;
  prompt?: LoginUrlInput["prompt"];
  loginHint?: string;
}

export class AuthorizationCodeCredential implements TokenCredential {
  readonly tenantId: string;
  readonly clientId: string;
  readonly redirectUri: string;
  readonly scopes: string[];
  readonly #common: ResolvedCommon;
  readonly #auth: ClientAuthStrategy;
  readonly #state: AuthState;
  readonly #session: RefreshSession;
  readonly #memo: TokenMemo;
  readonly #random: ((size: number) => Uint8Array) | undefined;
  #configuredCode: string | undefined;

  constructor(options: AuthorizationCodeCredentialOptions) {
    const name = "AuthorizationCodeCredential";
    this.tenantId = required(options.tenantId, "tenantId", name);
    this.clientId = required(options.clientId, "clientId", name);
    if (!options.scopes?.length) {
      throw configurationError(`${name} needs scopes.`, "List the delegated permissions to sign in for.");
    }
    this.scopes = [...options.scopes];
    this.redirectUri = options.redirectUri ?? DEFAULT_REDIRECT_URI;
    this.#common = resolveCommon({ ...options, scopes: this.scopes });
    this.#auth = chooseClientAuth(this.clientId, options, this.#common.now);
    this.#state = new AuthState(options, this.#common.now);
    this.#session = new RefreshSession({
      common: this.#common,
      state: this.#state,
      tenant: this.tenantId,
      clientId: this.clientId,
      auth: this.#auth,
      signInHint:
        options.signInHint ?? "Generate a login URL, sign in, and paste the code or redirect URL back.",
    });
    this.#memo = new TokenMemo(this.#common.now);
    this.#random = options.random;
    this.#configuredCode = options.authorizationCode?.trim() || undefined;
  }

  /** A login URL with fresh state and PKCE; the pending sign-in is kept (sealed) until redeemed. */
  async createLoginUrl(
    options: LoginUrlOptions = {},
  ): Promise<{ url: string; state: string; redirectUri: string }> {
    const pkce = createPkce(this.#random);
    const state = createState(this.#random);
    const redirectUri = options.redirectUri ?? this.redirectUri;
    const pending: PendingSignIn = {
      state,
      verifier: pkce.verifier,
      redirectUri,
      createdAt: this.#common.now(),
    };
    await this.#state.set(PENDING_KEY, pending, PENDING_SIGN_IN_TTL_MS);
    const url = buildLoginUrl({
      authorityHost: this.#common.authorityHost,
      tenant: this.tenantId,
      clientId: this.clientId,
      redirectUri,
      scopes: this.scopes,
      state,
      codeChallenge: pkce.challenge,
      ...(options.prompt ? { prompt: options.prompt } : {}),
      ...(options.loginHint ? { loginHint: options.loginHint } : {}),
    });
    return { url, state, redirectUri };
  }

  /**
   * Redeems what the user pasted: a code, or the redirect URL (state checked against the pending
   * sign-in, `session_state` ignored). Resolves to a token for the sign-in scopes.
   */
  async redeem(pasted: string): Promise<AccessToken> {
    if (pasted.trim().startsWith(REFRESH_TOKEN_PREFIX)) {
      await this.#session.saveRefreshToken(pasted.trim().slice(REFRESH_TOKEN_PREFIX.length));
      return this.getToken({ forceRefresh: true });
    }
    const pending = await this.#state.get<PendingSignIn>(PENDING_KEY);
    const extracted = extractAuthorizationCode(pasted, pending?.state);
    if (extracted.state !== undefined && pending === undefined) {
      throw new AuthenticationFailedError("There is no pending sign-in for this redirect.", {
        hint: "Generate a new login URL and sign in again; a sign-in can be completed once, within 30 minutes.",
      });
    }
    const target: TokenTarget = { scopes: this.scopes };
    const url = tokenEndpoint({
      authorityHost: this.#common.authorityHost,
      tenant: this.tenantId,
      version: 2,
    });
    const fields = authorizationCodeRequest({
      clientId: this.clientId,
      target,
      clientAuth: await this.#auth(url),
      code: extracted.code,
      redirectUri: pending?.redirectUri ?? this.redirectUri,
      ...(pending ? { codeVerifier: pending.verifier } : {}),
    });
    // The code and verifier are single use: drop the pending sign-in whatever Entra answers.
    await this.#state.delete(PENDING_KEY);
    const response = await requestToken(this.#common.http, url, fields, this.#common.now, {
      ...this.#common.diagnosis,
      tenantId: this.tenantId,
      clientId: this.clientId,
      target: this.scopes.join(" "),
    });
    await this.#session.remember(response);
    const token = toAccessToken(response, target);
    this.#memo.clear();
    this.#memo.put(target, token);
    return token;
  }

  async getToken(options: GetTokenOptions = {}): Promise<AccessToken> {
    const target = resolveTarget(options, this.#common.defaultTarget);
    if (this.#configuredCode !== undefined && !(await this.#session.hasRefreshToken())) {
      // The configured code (or refresh_token: value) is used once, only while nothing is stored.
      const code = this.#configuredCode;
      this.#configuredCode = undefined;
      await this.redeem(code);
    }
    return this.#memo.get(target, options, () => this.#session.redeem(target, options.claims));
  }

  /** Forgets the stored refresh token and any pending sign-in (the auth-reset command). */
  async reset(): Promise<void> {
    this.#memo.clear();
    await this.#session.forget();
    await this.#state.delete(PENDING_KEY);
  }
}
