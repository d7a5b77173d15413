/**
 * The OAuth proxy wire protocol of the reference module (vendor multi-tenant app): the ID field split on
 * `@`, the JSON body, and `encrypted_token` = base64(12-byte nonce ‖ AES-GCM(`<epoch>:<content>`) ‖ 16-byte
 * tag) with no associated data. Both ends live here so the client and `entrakit proxy` cannot drift apart.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { EntrakitError } from "../errors.ts";
import { seconds } from "./token-response.ts";

export const DEFAULT_PROXY_URL = "https://oproxy.demisto.ninja/obtain-token";
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

export interface ProxyId {
  registrationId: string;
  url: string;
}

/** The part before the first `@` is the registration; exactly one `@` means the rest is the token URL. */
export function parseProxyId(id: string, defaultUrl = DEFAULT_PROXY_URL): ProxyId {
  const parts = id.trim().split("@");
  const registrationId = parts[0] ?? "";
  if (registrationId === "") {
    throw new EntrakitError("configuration", "The OAuth proxy ID is empty.", {
      hint: "Paste the ID shown by the authorization page (registration@https://.../obtain-token).",
    });
  }
  return { registrationId, url: parts.length === 2 && parts[1] ? parts[1] : defaultUrl };
}

/** Strict standard base64 of a 16, 24 or 32-byte AES key; anything else is a clear configuration error. */
export function decodeProxyKey(key: string): Buffer {
  const clean = key.trim();
  const hint =
    "Paste the Key exactly as the authorization page showed it (standard base64 of 16, 24 or 32 bytes).";
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(clean) || clean === "") {
    throw new EntrakitError("configuration", "The OAuth proxy key is not valid base64.", { hint });
  }
  const bytes = Buffer.from(clean, "base64");
  if (![16, 24, 32].includes(bytes.length)) {
    throw new EntrakitError(
      "configuration",
      `The OAuth proxy key decodes to ${bytes.length} bytes; AES needs 16, 24 or 32.`,
      { hint },
    );
  }
  return bytes;
}

function algorithm(key: Buffer): "aes-128-gcm" | "aes-192-gcm" | "aes-256-gcm" {
  return `aes-${key.length * 8}-gcm` as "aes-128-gcm" | "aes-192-gcm" | "aes-256-gcm";
}

export function encryptProxyToken(
  key: Buffer,
  content: string,
  epochSeconds: number,
  nonce: Buffer = randomBytes(NONCE_BYTES),
): string {
  const cipher = createCipheriv(algorithm(key), key, nonce, { authTagLength: TAG_BYTES });
  const body = Buffer.concat([
    cipher.update(`${Math.floor(epochSeconds)}:${content}`, "utf8"),
    cipher.final(),
  ]);
  return Buffer.concat([nonce, body, cipher.getAuthTag()]).toString("base64");
}

export interface DecryptedProxyToken {
  epochSeconds: number;
  content: string;
}

/** The proxy side. Any failure is one undifferentiated error, so callers cannot learn which part failed. */
export function decryptProxyToken(key: Buffer, encrypted: string): DecryptedProxyToken {
  const fail = () =>
    new EntrakitError("authentication_failed", "The encrypted token could not be decrypted.");
  const raw = Buffer.from(encrypted, "base64");
  if (raw.length < NONCE_BYTES + TAG_BYTES + 2) throw fail();
  try {
    const decipher = createDecipheriv(algorithm(key), key, raw.subarray(0, NONCE_BYTES), {
      authTagLength: TAG_BYTES,
    });
    decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
    const text = Buffer.concat([
      decipher.update(raw.subarray(NONCE_BYTES, raw.length - TAG_BYTES)),
      decipher.final(),
    ]).toString("utf8");
    const colon = text.indexOf(":");
    const epoch = Number(text.slice(0, colon));
    if (colon <= 0 || !Number.isInteger(epoch)) throw fail();
    return { epochSeconds: epoch, content: text.slice(colon + 1) };
  } catch {
    throw fail();
  }
}

export interface ProxyRequestBody {
  app_name: string;
  registration_id: string;
  encrypted_token: string;
  scope: string | null;
  resource: string;
}

export function proxyRequestBody(input: {
  appName: string;
  registrationId: string;
  encryptedToken: string;
  scope?: string;
  resource?: string;
}): ProxyRequestBody {
  return {
    app_name: input.appName,
    registration_id: input.registrationId,
    encrypted_token: input.encryptedToken,
    scope: input.scope ?? null,
    resource: input.resource ?? "",
  };
}

export interface ProxyTokenResponse {
  accessToken: string;
  /** Seconds; the proxy may send a string (the reference never converted it, we do). */
  expiresIn: number;
  refreshToken?: string;
}

export function parseProxyResponse(body: unknown): ProxyTokenResponse {
  const record = body !== null && typeof body === "object" ? (body as Record<string, unknown>) : undefined;
  if (!record || typeof record.access_token !== "string" || record.access_token === "") {
    throw new EntrakitError(
      "authentication_failed",
      "There was a problem in retrieving an updated access token. The response from the Oproxy server did not contain the expected content.",
    );
  }
  const result: ProxyTokenResponse = {
    accessToken: record.access_token,
    expiresIn: seconds(record.expires_in) ?? 3595,
  };
  if (typeof record.refresh_token === "string" && record.refresh_token !== "") {
    result.refreshToken = record.refresh_token;
  }
  return result;
}

/** The reference's "Moderate Retry Mechanism" delays: 2^counter seconds, counter capped at 6 (2 … 64 s). */
export function proxyBackoffSeconds(counter: number): number {
  return 2 ** Math.min(Math.max(counter, 1), 6);
}
