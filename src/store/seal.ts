/**
 * Sealing at rest: AES-256-GCM under a 32-byte master key. A sealed record is the text
 * `ek1.<key id>.<iv>.<ciphertext+tag>` (base64url parts); plain records are JSON, which never starts
 * with `e`, so the two cannot be confused. The associated data binds the ciphertext to its namespace and
 * key: a sealed value copied to another key or instance fails to open. The key id (a hash of the key,
 * which reveals nothing about it) lets a wrong key be told apart from a corrupted record.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import { closeSync, openSync, readFileSync, writeSync } from "node:fs";
import { EntrakitError } from "../errors.ts";

const PREFIX = "ek1.";
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;

export interface MasterKey {
  /** Stable, non-secret identifier of the key (hash prefix). */
  readonly id: string;
  readonly bytes: Uint8Array;
}

export function masterKeyId(bytes: Uint8Array): string {
  return createHash("sha256")
    .update("entrakit master key id\u0000")
    .update(bytes)
    .digest("base64url")
    .slice(0, 16);
}

export function masterKeyFromBytes(bytes: Uint8Array): MasterKey {
  if (bytes.length !== KEY_BYTES) {
    throw new EntrakitError(
      "configuration",
      `the master key must be exactly 32 bytes (got ${bytes.length}).`,
      {
        hint: "Generate one with: openssl rand -base64 32",
      },
    );
  }
  const copy = Uint8Array.from(bytes);
  return { id: masterKeyId(copy), bytes: copy };
}

/**
 * Parses base64 (standard or URL-safe, padding optional) of exactly 32 bytes. `source` names where the
 * text came from (an environment variable or file) for the error; the text itself is never echoed.
 */
export function parseMasterKey(text: string, source: string): MasterKey {
  const trimmed = text.trim();
  const decoded = /^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed) ? Buffer.from(trimmed, "base64") : undefined;
  if (!decoded || decoded.length !== KEY_BYTES) {
    const got = decoded ? `${decoded.length} bytes` : "not base64";
    throw new EntrakitError(
      "configuration",
      `${source} is not a valid master key: it must be the base64 of exactly 32 bytes (got ${got}).`,
      { hint: "Generate one with: openssl rand -base64 32" },
    );
  }
  return masterKeyFromBytes(decoded);
}

export function generateMasterKey(): MasterKey {
  return masterKeyFromBytes(randomBytes(KEY_BYTES));
}

export function encodeMasterKey(key: MasterKey): string {
  return Buffer.from(key.bytes).toString("base64");
}

/** Reads a key file; undefined when it does not exist. */
export function readKeyFile(path: string): MasterKey | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new EntrakitError("store", `cannot read the master key file ${path}.`, {
      cause: error,
      hint: "Check its owner and permissions (it should be mode 0600, owned by you).",
    });
  }
  return parseMasterKey(text, `the master key file ${path}`);
}

/**
 * Writes a new key file with mode 0600, refusing to replace an existing one (`wx`): an existing key may
 * be the only way to open sealed data. Resolves to false when the file already exists.
 */
export function writeKeyFile(path: string, key: MasterKey): boolean {
  let fd: number;
  try {
    fd = openSync(path, "wx", 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw new EntrakitError("store", `cannot create the master key file ${path}.`, { cause: error });
  }
  try {
    writeSync(fd, `${encodeMasterKey(key)}\n`);
  } finally {
    closeSync(fd);
  }
  return true;
}

function associatedData(namespace: string, key: string): Buffer {
  return Buffer.from(`entrakit/v1\u0000${namespace}\u0000${key}`, "utf8");
}

export function isSealed(data: string): boolean {
  return data.startsWith(PREFIX);
}

/** The key id named by a sealed record, or undefined when it is not a well-formed sealed record. */
export function sealedKeyId(data: string): string | undefined {
  if (!isSealed(data)) return undefined;
  const parts = data.split(".");
  return parts.length === 4 && parts[1] ? parts[1] : undefined;
}

export function seal(masterKey: MasterKey, plaintext: string, namespace: string, key: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", masterKey.bytes, iv);
  cipher.setAAD(associatedData(namespace, key));
  const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final(), cipher.getAuthTag()]);
  return `${PREFIX}${masterKey.id}.${iv.toString("base64url")}.${body.toString("base64url")}`;
}

export const WRONG_KEY_HINT =
  "Set ENTRAKIT_MASTER_KEY to the original key (or restore the original key file).";

/** Thrown when a record is sealed under another key than the one given. Nothing is changed. */
export function wrongKeyError(namespace: string, key: string): EntrakitError {
  return new EntrakitError(
    "sealed_data",
    `the master key does not match the one that sealed this store (record "${key}" of instance "${namespace}"); nothing was changed.`,
    { hint: WRONG_KEY_HINT },
  );
}

export function corruptedRecordError(namespace: string, key: string, why: string): EntrakitError {
  return new EntrakitError(
    "sealed_data",
    `the record "${key}" of instance "${namespace}" is corrupted (${why}); other instances are not affected.`,
    {
      hint: `Reset this instance's authentication (auth-reset) or delete the record; it cannot be recovered.`,
    },
  );
}

/** Opens a sealed record; throws a clear error for a wrong key or a corrupted/moved record. */
export function open(masterKey: MasterKey, data: string, namespace: string, key: string): string {
  const parts = data.split(".");
  if (parts.length !== 4 || parts[0] !== PREFIX.slice(0, -1)) {
    throw corruptedRecordError(namespace, key, "malformed sealed envelope");
  }
  const [, keyId, ivText, bodyText] = parts as [string, string, string, string];
  if (keyId !== masterKey.id) throw wrongKeyError(namespace, key);
  const iv = Buffer.from(ivText, "base64url");
  const body = Buffer.from(bodyText, "base64url");
  if (iv.length !== IV_BYTES || body.length < TAG_BYTES) {
    throw corruptedRecordError(namespace, key, "truncated sealed envelope");
  }
  try {
    const decipher = createDecipheriv("aes-256-gcm", masterKey.bytes, iv);
    decipher.setAAD(associatedData(namespace, key));
    decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
    return Buffer.concat([
      decipher.update(body.subarray(0, body.length - TAG_BYTES)),
      decipher.final(),
    ]).toString("utf8");
  } catch {
    throw corruptedRecordError(namespace, key, "it fails authentication: altered, or moved from another key");
  }
}
