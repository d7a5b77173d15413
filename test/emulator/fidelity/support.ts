/**
 * What the fidelity tests share: an HTTPS emulator whose CA this process trusts, a client certificate
 * generated for the occasion, jose verification against the emulator's JWKS, and a browser-less driver for
 * the emulator's HTML sign-in, consent and device login pages.
 *
 * Trusting the CA: msal-node and openid-client use Node's global fetch, @azure/identity uses node:https.
 * All three read the process's default CA list, which a real user extends with NODE_EXTRA_CA_CERTS at
 * process start. The emulator's CA only exists once the emulator has started, so the test adds it to the
 * same default list with `tls.setDefaultCACertificates` (Node 24): every library then verifies the
 * emulator's certificate exactly as it would with NODE_EXTRA_CA_CERTS, with TLS verification left on.
 */
import assert from "node:assert/strict";
import { createHash, webcrypto } from "node:crypto";
import tls from "node:tls";
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from "jose";
import { startEmulator } from "../../../src/emulator/server.ts";
import { loadX509 } from "../../../src/emulator/x509.ts";

export type Emulator = Awaited<ReturnType<typeof startEmulator>>;

/** Start the emulator over HTTPS and make this process trust its CA (as NODE_EXTRA_CA_CERTS would). */
export async function startTrustedEmulator(options: Record<string, unknown> = {}): Promise<Emulator> {
  const emulator = await startEmulator({ port: 0, tls: true, ...options });
  assert.ok(emulator.caCert, "an HTTPS emulator reports its CA certificate");
  assert.ok(emulator.url.startsWith("https://"), `the emulator serves HTTPS: ${emulator.url}`);
  tls.setDefaultCACertificates([...tls.getCACertificates("default"), emulator.caCert]);
  return emulator;
}

export function baseOf(emulator: Emulator): string {
  return emulator.url.replace(/\/$/, "");
}

export interface TestCertificate {
  certificatePem: string;
  privateKeyPem: string;
  /** Upper-case hex, as the portal shows and msal-node takes them. */
  thumbprintSha1: string;
  thumbprintSha256: string;
}

/** A self-signed RSA certificate for client-assertion tests (the emulator only ever sees the public part). */
export async function makeCertificate(subject = "CN=entrakit fidelity test"): Promise<TestCertificate> {
  const x509 = await loadX509();
  const algorithm = {
    name: "RSASSA-PKCS1-v1_5",
    hash: "SHA-256",
    publicExponent: new Uint8Array([1, 0, 1]),
    modulusLength: 2048,
  };
  const keys = (await webcrypto.subtle.generateKey(algorithm, true, [
    "sign",
    "verify",
  ])) as unknown as CryptoKeyPair;
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: Buffer.from(webcrypto.getRandomValues(new Uint8Array(8)))
      .toString("hex")
      .replace(/^[89a-f]/, "1"),
    name: subject,
    notBefore: new Date(now - 3600_000),
    notAfter: new Date(now + 30 * 24 * 3600_000),
    signingAlgorithm: algorithm,
    keys,
  });
  const der = Buffer.from(cert.rawData);
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey("pkcs8", keys.privateKey as never));
  const body = pkcs8
    .toString("base64")
    .match(/.{1,64}/g)!
    .join("\n");
  return {
    certificatePem: cert.toString("pem"),
    privateKeyPem: `-----BEGIN PRIVATE KEY-----\n${body}\n-----END PRIVATE KEY-----\n`,
    thumbprintSha1: createHash("sha1").update(der).digest("hex").toUpperCase(),
    thumbprintSha256: createHash("sha256").update(der).digest("hex").toUpperCase(),
  };
}

/** Verify with jose against the emulator's JWKS over HTTPS; returns the payload. */
export async function verifyWithJwks(
  base: string,
  token: string,
  expected: { tenantId: string; audience: string; version?: 1 | 2 },
): Promise<Record<string, unknown>> {
  const jwks = createRemoteJWKSet(new URL(`${base}/${expected.tenantId}/discovery/v2.0/keys`));
  const issuer =
    (expected.version ?? 2) === 1
      ? `https://sts.windows.net/${expected.tenantId}/`
      : `${base}/${expected.tenantId}/v2.0`;
  const header = decodeProtectedHeader(token);
  assert.equal(header.alg, "RS256");
  assert.ok(header.kid, "the token names its signing key");
  const { payload } = await jwtVerify(token, jwks, {
    audience: expected.audience,
    issuer,
    algorithms: ["RS256"],
  });
  return payload as Record<string, unknown>;
}

/** Decode a JWT payload without verifying (for assertions on client-side artefacts). */
export function decodePayload(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString("utf8")) as Record<
    string,
    unknown
  >;
}

export async function adminPost(base: string, path: string, body: unknown): Promise<unknown> {
  const response = await fetch(`${base}/_emulator/${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  assert.ok(response.ok, `admin ${path} answered ${response.status}: ${text}`);
  return text ? JSON.parse(text) : undefined;
}

export async function adminGet(base: string, path: string): Promise<unknown> {
  const response = await fetch(`${base}/_emulator/${path}`);
  const text = await response.text();
  assert.ok(response.ok, `admin ${path} answered ${response.status}: ${text}`);
  return JSON.parse(text);
}
