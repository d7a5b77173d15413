/**
 * The client assertion JWT a certificate credential signs for each token request (RFC 7523, Entra's
 * "certificate credentials"). Integer claims; PS256 with `x5t#S256` when the certificate is known, RS256
 * with `x5t` when only the portal's SHA-1 thumbprint is; optional `x5c` chain for subject name/issuer auth.
 */
import { createHash, createPrivateKey, type KeyObject, randomUUID, X509Certificate } from "node:crypto";
import { EntrakitError } from "../errors.ts";

/** Entra rejects assertions outside their window; docs ask for 5–10 minutes. */
export const MAX_ASSERTION_LIFETIME_SECONDS = 600;

/** How the certificate is identified in the JOSE header. */
export type CertificateIdentity =
  /** PEM of the certificate (leaf first; more blocks form the chain). */
  | { certificatePem: string }
  /** The SHA-1 thumbprint as the portal shows it (hex, colons allowed). */
  | { thumbprintSha1: string }
  /** A SHA-256 thumbprint (hex). */
  | { thumbprintSha256: string };

export interface ClientAssertionInput {
  clientId: string;
  /** The token endpoint URL, which is the `aud`. */
  audience: string;
  privateKey: string | KeyObject;
  certificate: CertificateIdentity;
  /** Put the PEM chain in `x5c` (needs `certificatePem`). */
  sendCertificateChain?: boolean;
  /** Milliseconds since the epoch. */
  now: number;
  lifetimeSeconds?: number;
  jti?: string;
}

export interface CertificateThumbprints {
  sha1: Buffer;
  sha256: Buffer;
  /** Base64 DER of every certificate in the PEM, leaf first (the `x5c` values). */
  chain: string[];
}

/** Thumbprints and chain of a PEM certificate (the first block is the leaf). */
export function certificateThumbprints(pem: string): CertificateThumbprints {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g);
  if (!blocks || blocks.length === 0) {
    throw new EntrakitError("configuration", "The certificate is not a PEM certificate.", {
      hint: "Paste the certificate including its -----BEGIN CERTIFICATE----- and -----END CERTIFICATE----- lines.",
    });
  }
  const ders = blocks.map((block) => new X509Certificate(block).raw);
  const leaf = ders[0]!;
  return {
    sha1: createHash("sha1").update(leaf).digest(),
    sha256: createHash("sha256").update(leaf).digest(),
    chain: ders.map((der) => der.toString("base64")),
  };
}

/** Decodes a hex thumbprint (colons and spaces ignored) of the expected length, or fails clearly. */
export function decodeThumbprint(hex: string, bytes: 20 | 32): Buffer {
  const clean = hex.replace(/[\s:]/g, "");
  if (!new RegExp(`^[0-9a-fA-F]{${bytes * 2}}$`).test(clean)) {
    const kind = bytes === 20 ? "SHA-1 (40 hex characters)" : "SHA-256 (64 hex characters)";
    throw new EntrakitError("configuration", `The certificate thumbprint is not a ${kind} thumbprint.`, {
      hint: "Copy the thumbprint from the app registration's Certificates & secrets page.",
    });
  }
  return Buffer.from(clean, "hex");
}

/** Reads a PEM private key (PKCS#8 or PKCS#1, unencrypted) into a KeyObject, or fails clearly. */
export function loadPrivateKey(pem: string | KeyObject): KeyObject {
  if (typeof pem !== "string") return pem;
  try {
    const key = createPrivateKey(pem);
    if (key.asymmetricKeyType !== "rsa") throw new Error("not RSA");
    return key;
  } catch {
    throw new EntrakitError(
      "configuration",
      "The private key is not an unencrypted RSA private key in PEM form.",
      {
        hint: "Paste the key including its -----BEGIN PRIVATE KEY----- and -----END PRIVATE KEY----- lines.",
      },
    );
  }
}

export async function createClientAssertion(input: ClientAssertionInput): Promise<string> {
  const lifetime = input.lifetimeSeconds ?? MAX_ASSERTION_LIFETIME_SECONDS;
  if (!Number.isInteger(lifetime) || lifetime <= 0 || lifetime > MAX_ASSERTION_LIFETIME_SECONDS) {
    throw new TypeError(`assertion lifetime must be 1-${MAX_ASSERTION_LIFETIME_SECONDS} seconds`);
  }
  const header: Record<string, unknown> = { typ: "JWT" };
  const cert = input.certificate;
  if ("certificatePem" in cert) {
    const prints = certificateThumbprints(cert.certificatePem);
    header.alg = "PS256";
    header["x5t#S256"] = prints.sha256.toString("base64url");
    if (input.sendCertificateChain) header.x5c = prints.chain;
  } else if ("thumbprintSha256" in cert) {
    header.alg = "PS256";
    header["x5t#S256"] = decodeThumbprint(cert.thumbprintSha256, 32).toString("base64url");
  } else {
    header.alg = "RS256";
    header.x5t = decodeThumbprint(cert.thumbprintSha1, 20).toString("base64url");
  }
  if (input.sendCertificateChain && !("certificatePem" in cert)) {
    throw new EntrakitError("configuration", "Sending the certificate chain needs the certificate itself.", {
      hint: "Give the PEM certificate instead of its thumbprint.",
    });
  }
  const now = Math.floor(input.now / 1000);
  // jose is loaded here, on first use: only certificate flows sign, and every CLI start would pay for it.
  const { SignJWT } = await import("jose");
  return new SignJWT({})
    .setProtectedHeader(header as { alg: string })
    .setIssuer(input.clientId)
    .setSubject(input.clientId)
    .setAudience(input.audience)
    .setJti(input.jti ?? randomUUID())
    .setIssuedAt(now)
    .setNotBefore(now)
    .setExpirationTime(now + lifetime)
    .sign(loadPrivateKey(input.privateKey));
}
