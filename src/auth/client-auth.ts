/**
 * Client authentication strategies for confidential clients (secret post, certificate-signed assertion,
 * external assertion), one function each. Flows take a strategy instead of branching on flags.
 */
import type { KeyObject } from "node:crypto";
import {
  type CertificateIdentity,
  certificateThumbprints,
  createClientAssertion,
  decodeThumbprint,
  loadPrivateKey,
} from "../protocol/client-assertion.ts";
import type { ClientAuthentication } from "../protocol/token-request.ts";
import { configurationError } from "./common.ts";

/** Builds the client authentication for one request; `audience` is the token endpoint URL. */
export type ClientAuthStrategy = (audience: string) => Promise<ClientAuthentication>;

export function secretAuth(secret: string | undefined): ClientAuthStrategy {
  if (!secret) {
    throw configurationError("The client secret is empty.", "Paste the secret's Value (not its Secret ID).");
  }
  const auth: ClientAuthentication = { kind: "secret", secret };
  return async () => auth;
}

export interface CertificateAuthOptions {
  /** Unencrypted PEM private key (PKCS#8 or PKCS#1). */
  privateKey: string;
  /** PEM certificate (leaf first, optionally followed by its chain). */
  certificate?: string;
  /** The portal's SHA-1 thumbprint (hex), when the certificate itself is not at hand. */
  thumbprint?: string;
  /** A SHA-256 thumbprint (hex), when the certificate itself is not at hand. */
  thumbprintSha256?: string;
  /** Send the chain in `x5c` for subject name / issuer authentication (needs `certificate`). */
  sendCertificateChain?: boolean;
}

/** A freshly signed assertion for every request (the reference reused one past its 10-minute life). */
export function certificateAuth(
  clientId: string,
  options: CertificateAuthOptions,
  now: () => number,
): ClientAuthStrategy {
  // Validate everything now, so a bad key or thumbprint fails at configuration time.
  const key: KeyObject = loadPrivateKey(options.privateKey);
  let identity: CertificateIdentity;
  if (options.certificate) {
    certificateThumbprints(options.certificate);
    identity = { certificatePem: options.certificate };
  } else if (options.thumbprintSha256) {
    decodeThumbprint(options.thumbprintSha256, 32);
    identity = { thumbprintSha256: options.thumbprintSha256 };
  } else if (options.thumbprint) {
    decodeThumbprint(options.thumbprint, 20);
    identity = { thumbprintSha1: options.thumbprint };
  } else {
    throw configurationError(
      "Certificate authentication needs the certificate or its thumbprint.",
      "Give the PEM certificate, or the SHA-1 thumbprint shown in the app registration.",
    );
  }
  const sendCertificateChain = options.sendCertificateChain ?? false;
  return async (audience) => ({
    kind: "assertion",
    assertion: await createClientAssertion({
      clientId,
      audience,
      privateKey: key,
      certificate: identity,
      sendCertificateChain,
      now: now(),
    }),
  });
}

export function assertionAuth(
  getAssertion: (audience: string) => string | Promise<string>,
): ClientAuthStrategy {
  if (typeof getAssertion !== "function") {
    throw configurationError(
      "Assertion authentication needs a getAssertion callback.",
      "Pass a function that returns a JWT.",
    );
  }
  return async (audience) => {
    const assertion = (await getAssertion(audience)).trim();
    if (assertion === "") {
      throw configurationError(
        "The client assertion callback returned nothing.",
        "Return a signed JWT from getAssertion.",
      );
    }
    return { kind: "assertion", assertion };
  };
}

export const publicClient: ClientAuthStrategy = async () => ({ kind: "none" });

/** The credential choices a delegated flow accepts; none of them means a public client. */
export interface ClientCredentialChoice {
  clientSecret?: string;
  clientCertificate?: CertificateAuthOptions;
  getAssertion?: (audience: string) => string | Promise<string>;
}

export function chooseClientAuth(
  clientId: string,
  choice: ClientCredentialChoice,
  now: () => number,
): ClientAuthStrategy {
  const given = [choice.clientSecret, choice.clientCertificate, choice.getAssertion].filter(
    (v) => v !== undefined,
  );
  if (given.length > 1) {
    throw configurationError(
      "Give only one client credential: a secret, a certificate or an assertion callback.",
      "Remove the ones you do not use.",
    );
  }
  if (choice.clientCertificate) return certificateAuth(clientId, choice.clientCertificate, now);
  if (choice.getAssertion) return assertionAuth(choice.getAssertion);
  if (choice.clientSecret !== undefined) return secretAuth(choice.clientSecret);
  return publicClient;
}
