import assert from "node:assert/strict";
import { createDecipheriv, randomBytes } from "node:crypto";
import { test } from "node:test";
import {
  DEFAULT_PROXY_URL,
  decodeProxyKey,
  decryptProxyToken,
  encryptProxyToken,
  parseProxyId,
  parseProxyResponse,
  proxyBackoffSeconds,
  proxyRequestBody,
} from "../../src/protocol/oauth-proxy.ts";

test("the ID splits on @ exactly as the reference does", () => {
  assert.deepEqual(parseProxyId("reg1@https://p.example/obtain-token"), {
    registrationId: "reg1",
    url: "https://p.example/obtain-token",
  });
  assert.deepEqual(parseProxyId("reg1"), { registrationId: "reg1", url: DEFAULT_PROXY_URL });
  assert.deepEqual(parseProxyId("reg1@a@b"), { registrationId: "reg1", url: DEFAULT_PROXY_URL });
  assert.throws(() => parseProxyId("@x"), /ID is empty/);
});

test("keys decode strictly to 16, 24 or 32 bytes", () => {
  for (const size of [16, 24, 32]) {
    assert.equal(decodeProxyKey(randomBytes(size).toString("base64")).length, size);
  }
  assert.throws(
    () => decodeProxyKey(randomBytes(20).toString("base64")),
    /decodes to 20 bytes; AES needs 16, 24 or 32/,
  );
  assert.throws(() => decodeProxyKey("not base64!!"), /not valid base64/);
  assert.throws(() => decodeProxyKey(""), /not valid base64/);
});

test("encrypted_token is base64(nonce ‖ AES-GCM(epoch:content) ‖ tag) with no associated data", () => {
  const key = randomBytes(32);
  const nonce = Buffer.alloc(12, 7);
  const token = encryptProxyToken(key, "tenant-id", 1577196720.9, nonce);
  const raw = Buffer.from(token, "base64");
  assert.deepEqual(raw.subarray(0, 12), nonce);
  // Decrypt independently of our own helper, as the reference proxy would.
  const decipher = createDecipheriv("aes-256-gcm", key, nonce);
  decipher.setAuthTag(raw.subarray(raw.length - 16));
  const plain = Buffer.concat([decipher.update(raw.subarray(12, raw.length - 16)), decipher.final()]);
  assert.equal(plain.toString("utf8"), "1577196720:tenant-id");
  assert.deepEqual(decryptProxyToken(key, token), { epochSeconds: 1577196720, content: "tenant-id" });
  const tampered = Buffer.from(raw);
  tampered[15]! ^= 1;
  assert.throws(() => decryptProxyToken(key, tampered.toString("base64")), /could not be decrypted/);
  assert.throws(() => decryptProxyToken(randomBytes(32), token), /could not be decrypted/);
  const key16 = randomBytes(16);
  assert.equal(
    decryptProxyToken(key16, encryptProxyToken(key16, "rt:with:colons", 5)).content,
    "rt:with:colons",
  );
});

test("request body, response parsing and back-off vectors", () => {
  assert.deepEqual(proxyRequestBody({ appName: "a", registrationId: "r", encryptedToken: "e" }), {
    app_name: "a",
    registration_id: "r",
    encrypted_token: "e",
    scope: null,
    resource: "",
  });
  assert.deepEqual(parseProxyResponse({ access_token: "t", expires_in: "3600", refresh_token: "" }), {
    accessToken: "t",
    expiresIn: 3600,
  });
  assert.throws(() => parseProxyResponse({}), /did not contain the expected content/);
  assert.deepEqual([1, 2, 3, 5, 6, 7].map(proxyBackoffSeconds), [2, 4, 8, 32, 64, 64]);
});
