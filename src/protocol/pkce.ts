/**
 * PKCE (RFC 7636) with S256. The verifier is base64url of 32 random octets: 43 characters, inside the
 * 43–128 range and the unreserved alphabet.
 */
import { createHash, randomBytes } from "node:crypto";

export interface Pkce {
  verifier: string;
  challenge: string;
  method: "S256";
}

const VERIFIER_PATTERN = /^[A-Za-z0-9\-._~]{43,128}$/;

export function createPkce(random: (size: number) => Uint8Array = randomBytes): Pkce {
  const verifier = Buffer.from(random(32)).toString("base64url");
  return { verifier, challenge: pkceChallenge(verifier), method: "S256" };
}

export function pkceChallenge(verifier: string): string {
  if (!VERIFIER_PATTERN.test(verifier)) {
    throw new TypeError("a PKCE verifier must be 43-128 characters from [A-Za-z0-9-._~]");
  }
  return createHash("sha256").update(verifier, "ascii").digest("base64url");
}

/** An unguessable `state` value (128 bits). */
export function createState(random: (size: number) => Uint8Array = randomBytes): string {
  return Buffer.from(random(16)).toString("base64url");
}
