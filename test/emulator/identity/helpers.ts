/** Shared helpers of the identity platform tests: form posts, Entra error checks, certificates, page driving. */
import assert from "node:assert/strict";
import { createPrivateKey, type KeyObject, randomUUID, webcrypto } from "node:crypto";
import { SignJWT } from "jose";
import { loadX509 } from "../../../src/emulator/x509.ts";

export const CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
export const DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";

export interface FormResponse {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

export async function postForm(
  url: string,
  fields: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<FormResponse> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams(fields),
    redirect: "manual",
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : {} };
}

/** Entra's error body: error, AADSTS description with Trace/Correlation/Timestamp lines, codes, ids, uri. */
export function assertEntraError(res: FormResponse, code: number, error: string, status?: number): void {
  const body = res.body as Record<string, unknown>;
  assert.equal(body.error, error, `error for AADSTS${code}: ${JSON.stringify(body)}`);
  if (status !== undefined) assert.equal(res.status, status);
  else assert.ok(res.status === 400 || res.status === 401, `status ${res.status}`);
  const description = String(body.error_description);
  assert.ok(description.startsWith(`AADSTS${code}: `), description);
  assert.match(
    description,
    /\r\nTrace ID: [0-9a-f-]{36}\r\nCorrelation ID: [0-9a-f-]{36}\r\nTimestamp: \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/,
  );
  assert.deepEqual(body.error_codes, [code]);
  assert.match(String(body.timestamp), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/);
  assert.match(String(body.trace_id), /^[0-9a-f-]{36}$/);
  assert.match(String(body.correlation_id), /^[0-9a-f-]{36}$/);
  assert.equal(body.error_uri, `https://login.microsoftonline.com/error?code=${code}`);
}

export interface TestCertificate {
  certificatePem: string;
  privateKey: KeyObject;
  sha1: Buffer;
  sha256: Buffer;
}

/** A self-signed RSA certificate, as a user would upload to an app registration. */
export async function makeCertificate(commonName = "entrakit test"): Promise<TestCertificate> {
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
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: "01",
    name: `CN=${commonName}`,
    notBefore: new Date(Date.now() - 86_400_000),
    notAfter: new Date(Date.now() + 365 * 86_400_000),
    signingAlgorithm: algorithm,
    keys,
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey("pkcs8", keys.privateKey as never));
  return {
    certificatePem: cert.toString("pem"),
    privateKey: createPrivateKey({ key: pkcs8, format: "der", type: "pkcs8" }),
    sha1: Buffer.from(await cert.getThumbprint("SHA-1")),
    sha256: Buffer.from(await cert.getThumbprint("SHA-256")),
  };
}

export interface AssertionOptions {
  clientId: string;
  audience: string;
  alg?: "RS256" | "PS256";
  thumbprint?: "x5t" | "x5t#S256";
  now?: number;
  lifetimeSeconds?: number;
  jti?: string;
  issuer?: string;
}

export async function clientAssertion(cert: TestCertificate, options: AssertionOptions): Promise<string> {
  const alg = options.alg ?? "PS256";
  const kind = options.thumbprint ?? (alg === "PS256" ? "x5t#S256" : "x5t");
  const header = {
    alg,
    typ: "JWT",
    [kind]: (kind === "x5t" ? cert.sha1 : cert.sha256).toString("base64url"),
  };
  const now = Math.floor((options.now ?? Date.now()) / 1000);
  return new SignJWT({ jti: options.jti ?? randomUUID() })
    .setProtectedHeader(header as { alg: string })
    .setIssuer(options.issuer ?? options.clientId)
    .setSubject(options.clientId)
    .setAudience(options.audience)
    .setNotBefore(now)
    .setIssuedAt(now)
    .setExpirationTime(now + (options.lifetimeSeconds ?? 600))
    .sign(cert.privateKey);
}

/** Extracts `name="value"` of a hidden input from a page. */
export function hiddenField(html: string, name: string): string {
  const match = new RegExp(`<input type="hidden" name="${name}" value="([^"]*)">`).exec(html);
  assert.ok(match, `no hidden field ${name} in page`);
  return match[1]!.replace(/&#(\d+);/g, (_m, c: string) => String.fromCharCode(Number(c)));
}

export async function getPage(url: string): Promise<{ status: number; html: string; headers: Headers }> {
  const res = await fetch(url, { redirect: "manual" });
  return { status: res.status, html: await res.text(), headers: res.headers };
}

export async function postPage(
  url: string,
  fields: Record<string, string>,
): Promise<{ status: number; html: string; location: string | null }> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(fields),
    redirect: "manual",
  });
  return { status: res.status, html: await res.text(), location: res.headers.get("location") };
}

/** Decodes a JWT's payload without verifying it (verification is asserted separately with jose). */
export function claimsOf(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split(".")[1]!, "base64url").toString("utf8"));
}
