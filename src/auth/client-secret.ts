/** App-only tokens for an app registration with a client secret (client credentials grant). */
import { secretAuth } from "./client-auth.ts";
import { ClientCredentialsFlow, type ConfidentialClientOptions } from "./client-credentials.ts";
import type { AccessToken, GetTokenOptions, TokenCredential } from "./types.ts";

export interface ClientSecretCredentialOptions extends ConfidentialClientOptions {
  /** The secret's value (not its ID). */
  clientSecret: string;
}

export class ClientSecretCredential implements TokenCredential {
  readonly #flow: ClientCredentialsFlow;

  constructor(options: ClientSecretCredentialOptions) {
    this.#flow = new ClientCredentialsFlow("ClientSecretCredential", options, () =>
      secretAuth(options.clientSecret),
    );
  }

  getToken(options?: GetTokenOptions): Promise<AccessToken> {
    return this.#flow.getToken(options);
  }
}
