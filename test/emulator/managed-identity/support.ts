/**
 * Shared helpers for the managed identity tests: plain HTTP against a running emulator, its admin API,
 * and token verification with jose against the emulator's JWKS.
 */
import assert from "node:assert/strict";
import { createRemoteJWKSet, jwtVerify } from "jose";
import { DEV_TENANT } from "../../../src/emulator/well-known.ts";

export interface HttpResult {
  status: number;
  headers: Headers;
  text: string;
  json: Record<string, unknown>;
}

export async function call(url: string, init: RequestInit = {}): Promise<HttpResult> {
  const response = await fetch(url, { redirect: "manual", ...init });
  const text = await response.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // Not JSON: tests that care look at `text`.
  }
  return { status: response.status, headers: response.headers, text, json };
}

export async function admin(base: string, path: string, body?: unknown): Promise<HttpResult> {
  const init: RequestInit =
    body === undefined
      ? {}
      : { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) };
  const result = await call(`${base}/_emulator/${path}`, init);
  assert.ok(result.status < 300, `admin ${path} answered ${result.status}: ${result.text}`);
  return result;
}

/** Verify a token's signature with jose against the emulator's published keys; returns the payload. */
export async function verifyToken(
  base: string,
  token: string,
  expected: { audience: string; tenantId?: string },
): Promise<Record<string, unknown>> {
  const tenantId = expected.tenantId ?? DEV_TENANT.id;
  const jwks = createRemoteJWKSet(new URL(`${base}/${tenantId}/discovery/v2.0/keys`));
  const { payload, protectedHeader } = await jwtVerify(token, jwks, {
    audience: expected.audience,
    issuer: `https://sts.windows.net/${tenantId}/`,
    algorithms: ["RS256"],
  });
  assert.equal(protectedHeader.typ, "JWT");
  return payload as Record<string, unknown>;
}
