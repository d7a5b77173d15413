/** App-only tokens with an assertion from elsewhere (a callback called for every token request). */
import { assertionAuth } from "./client-auth.ts";
import { ClientCredentialsFlow, type ConfidentialClientOptions } from "./client-credentials.ts";
import type { AccessToken, GetTokenOptions, TokenCredential } from "./types.ts";

export interface ClientAssertionCredentialOptions extends ConfidentialClientOptions {
  /** Returns a current assertion JWT; `audience` is the token endpoint URL. */
  getAssertion: (audience: string) => string | Promise<string>;
}

export class ClientAssertionCredential implements TokenCredential {
  readonly #flow: ClientCredentialsFlow;

  constructor(options: ClientAssertionCredentialOptions) {
    this.#flow = new ClientCredentialsFlow("ClientAssertionCredential", options, () =>
      assertionAuth(options.getAssertion),
    );
  }

  getToken(options?: GetTokenOptions): Promise<AccessToken> {
    return this.#flow.getToken(options);
  }
}
