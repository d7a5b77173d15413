import assert from "node:assert/strict";
import { createHash, X509Certificate } from "node:crypto";
import { test } from "node:test";
import { compactVerify, decodeJwt, decodeProtectedHeader, importX509 } from "jose";
import { createClientAssertion, decodeThumbprint } from "../../src/protocol/client-assertion.ts";
import { createTestCertificate } from "../auth/fixtures.ts";

const cert = createTestCertificate();
const der = new X509Certificate(cert.certificatePem).raw;
const aud = "https://login.example/t/oauth2/v2.0/token";
const now = 1_700_000_000_500;

test("known certificate: PS256 with x5t#S256, integer claims, exp within 10 minutes, verifiable", async () => {
  const jwt = await createClientAssertion({
    clientId: "app",
    audience: aud,
    privateKey: cert.privateKeyPem,
    certificate: { certificatePem: cert.certificatePem },
    now,
  });
  const header = decodeProtectedHeader(jwt);
  assert.equal(header.alg, "PS256");
  assert.equal(header.typ, "JWT");
  assert.equal(header["x5t#S256"], createHash("sha256").update(der).digest("base64url"));
  assert.equal(header.x5t, undefined);
  assert.equal(header.x5c, undefined);
  const claims = decodeJwt(jwt);
  assert.equal(claims.iss, "app");
  assert.equal(claims.sub, "app");
  assert.equal(claims.aud, aud);
  assert.equal(claims.nbf, 1_700_000_000);
  assert.equal(claims.exp, 1_700_000_600);
  assert.ok(Number.isInteger(claims.iat) && Number.isInteger(claims.exp));
  assert.match(String(claims.jti), /^[0-9a-f-]{36}$/);
  await compactVerify(jwt, await importX509(cert.certificatePem, "PS256"));
});

test("SHA-1 thumbprint only: RS256 with x5t; chain in x5c on request; fresh jti each time", async () => {
  const sha1 = createHash("sha1")
    .update(der)
    .digest("hex")
    .toUpperCase()
    .replace(/(..)(?!$)/g, "$1:");
  const jwt = await createClientAssertion({
    clientId: "app",
    audience: aud,
    privateKey: cert.privateKeyPem,
    certificate: { thumbprintSha1: sha1 },
    now,
  });
  const header = decodeProtectedHeader(jwt);
  assert.equal(header.alg, "RS256");
  assert.equal(header.x5t, createHash("sha1").update(der).digest("base64url"));
  await compactVerify(jwt, await importX509(cert.certificatePem, "RS256"));
  const withChain = await createClientAssertion({
    clientId: "app",
    audience: aud,
    privateKey: cert.privateKeyPem,
    certificate: { certificatePem: cert.certificatePem },
    sendCertificateChain: true,
    now,
  });
  assert.deepEqual(decodeProtectedHeader(withChain).x5c, [der.toString("base64")]);
  assert.notEqual(decodeJwt(withChain).jti, decodeJwt(jwt).jti);
});

test("bad thumbprints, keys and lifetimes fail clearly", async () => {
  assert.throws(() => decodeThumbprint("abc", 20), /not a SHA-1 \(40 hex characters\) thumbprint/);
  await assert.rejects(
    createClientAssertion({
      clientId: "a",
      audience: aud,
      privateKey: "nope",
      certificate: { thumbprintSha1: "00".repeat(20) },
      now,
    }),
    /not an unencrypted RSA private key/,
  );
  await assert.rejects(
    createClientAssertion({
      clientId: "a",
      audience: aud,
      privateKey: cert.privateKeyPem,
      certificate: { thumbprintSha1: "00".repeat(20) },
      lifetimeSeconds: 601,
      now,
    }),
    /lifetime/,
  );
});
