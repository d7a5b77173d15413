/**
 * The proxy's side of the identity platform: client credentials for a customer tenant, refresh token
 * redemption and the authorization code exchange, each authenticated with the app's secret or a freshly
 * signed certificate assertion. Failures come back as data (status + Entra's error) for the caller to
 * relay; nothing here logs or throws a token.
 */
import { type ClientAuthStrategy, certificateAuth, secretAuth } from "../auth/client-auth.ts";
import { authorityHost } from "../clouds/index.ts";
import type { HttpClient } from "../http/index.ts";
import { describeEntraError, parseEntraError } from "../protocol/entra-error.ts";
import {
  authorizationCodeRequest,
  clientCredentialsRequest,
  type FormFields,
  formBody,
  refreshTokenRequest,
  type TokenTarget,
  tokenEndpoint,
} from "../protocol/token-request.ts";
import type { ProxyApp } from "./config.ts";

export interface EntraTokens {
  accessToken: string;
  expiresIn: number;
  refreshToken: string;
  /** The raw access and id tokens' `tid` claim, when present (the code exchange uses it). */
  tenantId: string | undefined;
}

/** Entra said no (or could not be reached): what the proxy relays. */
export interface EntraRefusal {
  status: number;
  error: string;
  detail: string;
  errorCodes: number[];
}

export type EntraResult = { ok: true; tokens: EntraTokens } | { ok: false; refusal: EntraRefusal };

export class EntraClient {
  readonly #http: HttpClient;
  readonly #auth = new Map<string, ClientAuthStrategy>();

  constructor(http: HttpClient, apps: Iterable<ProxyApp>, now: () => number = Date.now) {
    this.#http = http;
    for (const app of apps) {
      this.#auth.set(
        app.appName,
        app.credential.kind === "secret"
          ? secretAuth(app.credential.secret)
          : certificateAuth(
              app.clientId,
              {
                certificate: app.credential.certificatePem,
                privateKey: app.credential.privateKeyPem,
                sendCertificateChain: app.credential.sendChain,
              },
              now,
            ),
      );
    }
  }

  clientCredentials(app: ProxyApp, tenantId: string, resource: string): Promise<EntraResult> {
    const target: TokenTarget = { scopes: [`${resource.replace(/\/+$/, "")}/.default`] };
    return this.#post(app, tenantId, (clientAuth) =>
      clientCredentialsRequest({ clientId: app.clientId, target, clientAuth }),
    );
  }

  refresh(app: ProxyApp, tenantId: string, refreshToken: string, scopes: string[]): Promise<EntraResult> {
    return this.#post(app, tenantId, (clientAuth) =>
      refreshTokenRequest({ clientId: app.clientId, target: { scopes }, clientAuth, refreshToken }),
    );
  }

  /** The code exchange; `tenant` and `scopes` default to `organizations` and the app's scopes. */
  exchangeCode(
    app: ProxyApp,
    input: { code: string; redirectUri: string; codeVerifier: string; tenant?: string; scopes?: string[] },
  ): Promise<EntraResult> {
    const { tenant = "organizations", scopes = app.scopes, ...exchange } = input;
    return this.#post(app, tenant, (clientAuth) =>
      authorizationCodeRequest({ clientId: app.clientId, target: { scopes }, clientAuth, ...exchange }),
    );
  }

  async #post(
    app: ProxyApp,
    tenant: string,
    build: (clientAuth: Awaited<ReturnType<ClientAuthStrategy>>) => FormFields,
  ): Promise<EntraResult> {
    const url = tokenEndpoint({ authorityHost: authorityHost(app.cloud), tenant, version: 2 });
    let fields: FormFields;
    try {
      fields = build(await this.#auth.get(app.appName)!(url));
    } catch {
      return refusal(500, "server_error", "The proxy could not sign its client assertion.");
    }
    let response: Awaited<ReturnType<HttpClient["send"]>>;
    try {
      response = await this.#http.send({
        method: "POST",
        url,
        headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
        body: formBody(fields),
        // The client backs off on 5xx itself; retrying here would only stack waits.
        retry: false,
      });
    } catch {
      return refusal(502, "temporarily_unavailable", "The identity platform could not be reached.");
    }
    const json = parseJson(response.text);
    if (response.status >= 200 && response.status < 300) {
      const body = json as Record<string, unknown> | undefined;
      if (!body || typeof body.access_token !== "string" || body.access_token === "") {
        return refusal(502, "temporarily_unavailable", "The identity platform answered without a token.");
      }
      const expiresIn = Number(body.expires_in);
      return {
        ok: true,
        tokens: {
          accessToken: body.access_token,
          expiresIn: Number.isFinite(expiresIn) && expiresIn > 0 ? Math.trunc(expiresIn) : 3599,
          refreshToken: typeof body.refresh_token === "string" ? body.refresh_token : "",
          tenantId: tenantOf(body.id_token) ?? tenantOf(body.access_token),
        },
      };
    }
    const entra = parseEntraError(json ?? response.text);
    if (!entra) {
      return refusal(502, "temporarily_unavailable", `The identity platform answered ${response.status}.`);
    }
    // Keep Entra's status class for its refusals; its outages become 502 so clients back off.
    const status =
      response.status >= 500 ? 502 : response.status === 429 ? 429 : response.status === 401 ? 401 : 400;
    return refusal(status, entra.error, describeEntraError(entra.errorDescription), entra.errorCodes);
  }
}

function refusal(status: number, error: string, detail: string, errorCodes: number[] = []): EntraResult {
  return { ok: false, refusal: { status, error, detail, errorCodes } };
}

/** The `tid` claim of a JWT straight from the token endpoint (TLS-authenticated, so not re-verified). */
function tenantOf(token: unknown): string | undefined {
  if (typeof token !== "string") return undefined;
  const payload = token.split(".")[1];
  if (!payload) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as { tid?: unknown };
    return typeof claims.tid === "string" && claims.tid !== "" ? claims.tid : undefined;
  } catch {
    return undefined;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
