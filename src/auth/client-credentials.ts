/**
 * The client credentials grant shared by the confidential-client credentials: each supplies only its
 * client authentication strategy (secret, certificate assertion, external assertion).
 */
import type { TokenTarget } from "../protocol/token-request.ts";
import { clientCredentialsRequest, targetVersion, tokenEndpoint } from "../protocol/token-request.ts";
import type { ClientAuthStrategy } from "./client-auth.ts";
import { type CommonCredentialOptions, type ResolvedCommon, required, resolveCommon } from "./common.ts";
import { requestToken } from "./token-endpoint.ts";
import { TokenMemo } from "./token-memo.ts";
import {
  type AccessToken,
  type GetTokenOptions,
  resolveTarget,
  type TokenCredential,
  targetScopes,
} from "./types.ts";

export interface ConfidentialClientOptions extends CommonCredentialOptions {
  tenantId: string;
  clientId: string;
}

export class ClientCredentialsFlow implements TokenCredential {
  readonly tenantId: string;
  readonly clientId: string;
  readonly common: ResolvedCommon;
  readonly #memo: TokenMemo;
  readonly #auth: ClientAuthStrategy;

  constructor(
    name: string,
    options: ConfidentialClientOptions,
    auth: (common: ResolvedCommon) => ClientAuthStrategy,
  ) {
    this.tenantId = required(options.tenantId, "tenantId", name);
    this.clientId = required(options.clientId, "clientId", name);
    this.common = resolveCommon(options);
    this.#memo = new TokenMemo(this.common.now);
    this.#auth = auth(this.common);
  }

  getToken(options: GetTokenOptions = {}): Promise<AccessToken> {
    const target = resolveTarget(options, this.common.defaultTarget);
    return this.#memo.get(target, options, () => this.#fetch(target, options.claims));
  }

  async #fetch(target: TokenTarget, claims: string | undefined): Promise<AccessToken> {
    const url = tokenEndpoint({
      authorityHost: this.common.authorityHost,
      tenant: this.tenantId,
      version: targetVersion(target),
    });
    const fields = clientCredentialsRequest({
      clientId: this.clientId,
      target,
      clientAuth: await this.#auth(url),
      ...(claims ? { claims } : {}),
    });
    const response = await requestToken(this.common.http, url, fields, this.common.now, {
      ...this.common.diagnosis,
      tenantId: this.tenantId,
      clientId: this.clientId,
      target: targetScopes(target).join(" "),
    });
    return toAccessToken(response, target);
  }
}

export function toAccessToken(
  response: { accessToken: string; expiresOn: number; refreshOn?: number },
  target: TokenTarget,
): AccessToken {
  const token: AccessToken = {
    token: response.accessToken,
    expiresOn: response.expiresOn,
    scopes: targetScopes(target),
  };
  if (response.refreshOn !== undefined) token.refreshOn = response.refreshOn;
  return token;
}
