/**
 * App-only tokens with a certificate: a fresh signed assertion for every token request. The certificate
 * is given as PEM (PS256 + `x5t#S256`) or, as in the reference, by its SHA-1 thumbprint (RS256 + `x5t`).
 */
import { type CertificateAuthOptions, certificateAuth } from "./client-auth.ts";
import { ClientCredentialsFlow, type ConfidentialClientOptions } from "./client-credentials.ts";
import type { AccessToken, GetTokenOptions, TokenCredential } from "./types.ts";

export interface ClientCertificateCredentialOptions
  extends ConfidentialClientOptions,
    CertificateAuthOptions {}

export class ClientCertificateCredential implements TokenCredential {
  readonly #flow: ClientCredentialsFlow;

  constructor(options: ClientCertificateCredentialOptions) {
    this.#flow = new ClientCredentialsFlow("ClientCertificateCredential", options, (common) =>
      certificateAuth(options.clientId, options, common.now),
    );
  }

  getToken(options?: GetTokenOptions): Promise<AccessToken> {
    return this.#flow.getToken(options);
  }
}
