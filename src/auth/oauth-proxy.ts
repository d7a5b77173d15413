/**
 * The vendor's multi-tenant app through an OAuth proxy (the reference's "oproxy"): the customer pastes
 * ID, Token and Key from the consent page; each token request sends the current refresh token (or the
 * tenant id) encrypted under the Key, and the proxy, which holds the app secret, answers with Microsoft
 * tokens. The rotated refresh token is kept (sealed). Failures back off by waiting 2, 4, 8 … 64 s within a
 * bound instead of failing the command as the reference did.
 */
import { setTimeout as delay } from "node:timers/promises";
import { EntrakitError } from "../errors.ts";
import {
  decodeProxyKey,
  encryptProxyToken,
  parseProxyId,
  parseProxyResponse,
  proxyBackoffSeconds,
  proxyRequestBody,
} from "../protocol/oauth-proxy.ts";
import { type TokenTarget, targetVersion } from "../protocol/token-request.ts";
import type { Redemption } from "./cache/refresh-rotation.ts";
import { toAccessToken } from "./client-credentials.ts";
import { configurationError } from "./common.ts";
import { AuthState, type AuthStateOptions } from "./persistence.ts";
import { TokenMemo } from "./token-memo.ts";
import { type AuthHttp, defaultAuthHttp, parseJson } from "./transport.ts";
import {
  type AccessToken,
  defaultTarget,
  type GetTokenOptions,
  resolveTarget,
  type TokenCredential,
} from "./types.ts";

const REFRESH_KEY = "auth.oproxy.refresh_token";

export interface OAuthProxyCredentialOptions extends AuthStateOptions {
  /** The ID from the consent page: `<registration>@<proxy URL>` (the default proxy when there is no URL). */
  id: string;
  /** The Token: the tenant id (application apps) or the initial refresh token (delegated apps). */
  token: string;
  /** The Key: standard base64 of a 16, 24 or 32-byte AES key. */
  key: string;
  /** The vendor app's name at the proxy. */
  appName: string;
  /** Default v1 resource for `getToken()` without arguments. */
  resource?: string;
  /** Default v2 scopes for `getToken()` without arguments. */
  scopes?: string[];
  /** Optional `X-Content-*` information headers. */
  infoHeaders?: Record<string, string>;
  http?: AuthHttp;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** The most one request may spend waiting between failed attempts. Default 2 minutes. */
  maxWaitMs?: number;
  /** Called before each back-off wait. */
  onWait?: (report: { status: number; waitMs: number }) => void;
}

export class OAuthProxyCredential implements TokenCredential {
  readonly registrationId: string;
  readonly url: string;
  readonly #key: Buffer;
  readonly #token: string;
  readonly #options: OAuthProxyCredentialOptions;
  readonly #state: AuthState;
  readonly #memo: TokenMemo;
  readonly #http: AuthHttp;
  readonly #now: () => number;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #defaultTarget: TokenTarget | undefined;

  constructor(options: OAuthProxyCredentialOptions) {
    const proxyId = parseProxyId(options.id ?? "");
    this.registrationId = proxyId.registrationId;
    this.url = proxyId.url;
    this.#key = decodeProxyKey(options.key ?? "");
    if (!options.token?.trim()) {
      throw configurationError(
        "The OAuth proxy Token is empty.",
        "Paste the Token shown by the authorization page.",
      );
    }
    if (!options.appName?.trim()) {
      throw configurationError("The OAuth proxy app name is empty.", "Set the vendor app's name.");
    }
    this.#token = options.token.trim();
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#state = new AuthState(options, this.#now);
    this.#memo = new TokenMemo(this.#now);
    this.#http = options.http ?? defaultAuthHttp();
    this.#sleep = options.sleep ?? ((ms) => delay(ms));
    this.#defaultTarget = defaultTarget(options);
  }

  getToken(options: GetTokenOptions = {}): Promise<AccessToken> {
    const target = resolveTarget(options, this.#defaultTarget ?? { resource: "" });
    return this.#memo.get(target, options, () => this.#fetch(target));
  }

  /** Forgets the rotated refresh token, going back to the configured Token. */
  async reset(): Promise<void> {
    this.#memo.clear();
    await this.#state.delete(REFRESH_KEY);
  }

  /**
   * Under AuthState.rotate: a delegated registration's refresh token is single use, so no two
   * processes send the same one, and the rotated one is committed before the token is returned.
   */
  #fetch(target: TokenTarget): Promise<AccessToken> {
    return this.#state.rotate(REFRESH_KEY, (stored) => this.#request(target, stored as string | undefined));
  }

  async #request(target: TokenTarget, stored: string | undefined): Promise<Redemption<AccessToken>> {
    const maxWaitMs = this.#options.maxWaitMs ?? 120_000;
    let waited = 0;
    for (let counter = 1; ; counter++) {
      const content = stored ?? this.#token;
      const body = proxyRequestBody({
        appName: this.#options.appName,
        registrationId: this.registrationId,
        encryptedToken: encryptProxyToken(this.#key, content, Math.floor(this.#now() / 1000)),
        ...(targetVersion(target) === 2 ? { scope: (target as { scopes: string[] }).scopes.join(" ") } : {}),
        resource: "resource" in target ? target.resource : "",
      });
      const started = this.#now();
      const response = await this.#http.send({
        method: "POST",
        url: this.url,
        headers: {
          "content-type": "application/json",
          accept: "application/json",
          ...this.#options.infoHeaders,
        },
        body: JSON.stringify(body),
        // The back-off below is the retry policy for the proxy.
        retry: false,
      });
      if (response.status >= 200 && response.status < 300) {
        const parsed = parseProxyResponse(parseJson(response.text));
        const result = toAccessToken(
          { accessToken: parsed.accessToken, expiresOn: started + parsed.expiresIn * 1000 },
          target,
        );
        return parsed.refreshToken ? { result, next: parsed.refreshToken } : { result };
      }
      // 4xx other than 408/429 means the proxy or Microsoft said no: waiting will not change that.
      const transient = response.status === 408 || response.status === 429 || response.status >= 500;
      const waitMs = proxyBackoffSeconds(counter) * 1000;
      if (!transient || waited + waitMs > maxWaitMs) throw proxyError(response.status, response.text);
      this.#options.onWait?.({ status: response.status, waitMs });
      await this.#sleep(waitMs);
      waited += waitMs;
    }
  }
}

/**
 * The reference's message: `Error in Microsoft authorization. Status: <n>, body: <error>. <description>`,
 * plus ` Server message: ...` only when the proxy sent one (the reference appended an empty one).
 */
export function proxyError(status: number, text: string): EntrakitError {
  let body = text.trim().slice(0, 300);
  const span = /\{.*\}/s.exec(text)?.[0];
  const embedded = span ? parseJson(span) : undefined;
  if (embedded && typeof embedded === "object") {
    const record = embedded as Record<string, unknown>;
    const error =
      typeof record.error === "string"
        ? record.error
        : typeof record.title === "string"
          ? record.title
          : undefined;
    const description =
      typeof record.error_description === "string"
        ? record.error_description
        : typeof record.detail === "string"
          ? record.detail
          : "";
    const cleaned = description
      .replace(/^AADSTS\d+:\s*/, "")
      .split(/\s*(?:Trace ID:|Correlation ID:|Timestamp:)/)[0]!
      .trim();
    if (error) body = cleaned ? `${error}. ${cleaned}` : error;
  }
  const whole = parseJson(text);
  const server =
    whole && typeof whole === "object" && typeof (whole as Record<string, unknown>).message === "string"
      ? ` Server message: ${(whole as Record<string, unknown>).message as string}`
      : "";
  return new EntrakitError(
    status === 429 ? "throttled" : "authentication_failed",
    `Error in Microsoft authorization. Status: ${status},${body ? ` body: ${body}` : ""}${server}`,
    {
      hint:
        status === 401 || status === 403
          ? "Check the ID, Token and Key from the authorization page; if they were revoked, authorize again."
          : "Try again later; if it persists, contact the app's vendor.",
    },
  );
}
