/**
 * Sealing for exported instance files: the secrets of `entrakit instance export --include-secrets` are
 * AES-256-GCM ciphertexts under a key derived from a passphrase with scrypt (a fresh salt per file), so
 * the file is safe at rest and opens in any store, unlike the store's own master key which never leaves
 * its machine. Each ciphertext is bound (associated data) to its instance and parameter name, so a value
 * moved to another place fails to open; a sealed check value tells a wrong passphrase from a changed file.
 */
import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from "node:crypto";
import { EntrakitError } from "../errors.ts";

/** What the file records about its sealing (no secret here: the salt and costs are public). */
export interface SealingHeader {
  cipher: "aes-256-gcm";
  kdf: "scrypt";
  N: number;
  r: number;
  p: number;
  salt: string;
  /** A known text sealed under the key: opening it proves the passphrase. */
  check: string;
}

export interface ExportKey {
  readonly header: SealingHeader;
  readonly bytes: Buffer;
}

const COST = { N: 2 ** 15, r: 8, p: 1 } as const;
/** Bounds accepted on import, so a crafted file cannot ask for minutes of work or gigabytes of memory. */
const LIMITS = { minN: 2 ** 14, maxN: 2 ** 20, r: [8, 16], maxP: 4 } as const;
const MIN_PASSPHRASE = 12;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const CHECK_TEXT = "entrakit instance export";
const CHECK_AAD = "entrakit-export/1\u0000check";

function derive(passphrase: string, header: Pick<SealingHeader, "N" | "r" | "p" | "salt">): Buffer {
  const { N, r, p } = header;
  return scryptSync(passphrase.normalize("NFC"), Buffer.from(header.salt, "base64url"), 32, {
    N,
    r,
    p,
    maxmem: 256 * N * r + 1024 * 1024,
  });
}

function seal(key: Buffer, aad: string, text: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key, iv).setAAD(Buffer.from(aad));
  const body = Buffer.concat([cipher.update(text, "utf8"), cipher.final(), cipher.getAuthTag()]);
  return `${iv.toString("base64url")}.${body.toString("base64url")}`;
}

/** The plaintext, or undefined when the ciphertext does not open under this key and binding. */
function open(key: Buffer, aad: string, sealed: string): string | undefined {
  const [iv, body, extra] = sealed.split(".");
  if (!iv || !body || extra !== undefined) return undefined;
  const bytes = Buffer.from(body, "base64url");
  const ivBytes = Buffer.from(iv, "base64url");
  if (ivBytes.length !== IV_BYTES || bytes.length < TAG_BYTES) return undefined;
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, ivBytes).setAAD(Buffer.from(aad));
    decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
    return Buffer.concat([
      decipher.update(bytes.subarray(0, bytes.length - TAG_BYTES)),
      decipher.final(),
    ]).toString("utf8");
  } catch {
    return undefined;
  }
}

const bindTo = (instance: string, param: string) => `entrakit-export/1\u0000${instance}\u0000${param}`;

/** A fresh key for one export file. */
export function newExportKey(passphrase: string): ExportKey {
  if (passphrase.length < MIN_PASSPHRASE) {
    throw new EntrakitError("usage", `The passphrase is shorter than ${MIN_PASSPHRASE} characters.`, {
      hint: "Use a longer one, e.g. from: openssl rand -base64 24",
    });
  }
  const base = { ...COST, salt: randomBytes(16).toString("base64url") };
  const bytes = derive(passphrase, base);
  const header: SealingHeader = {
    cipher: "aes-256-gcm",
    kdf: "scrypt",
    ...base,
    check: seal(bytes, CHECK_AAD, CHECK_TEXT),
  };
  return { header, bytes };
}

/** Checks a file's sealing header (shape and cost bounds) and derives its key; a wrong passphrase fails. */
export function openExportKey(header: unknown, passphrase: string): ExportKey {
  const h = header as Partial<SealingHeader> | null;
  const valid =
    typeof h === "object" &&
    h !== null &&
    h.cipher === "aes-256-gcm" &&
    h.kdf === "scrypt" &&
    Number.isInteger(h.N) &&
    (h.N as number) >= LIMITS.minN &&
    (h.N as number) <= LIMITS.maxN &&
    ((h.N as number) & ((h.N as number) - 1)) === 0 &&
    (LIMITS.r as readonly number[]).includes(h.r as number) &&
    Number.isInteger(h.p) &&
    (h.p as number) >= 1 &&
    (h.p as number) <= LIMITS.maxP &&
    typeof h.salt === "string" &&
    Buffer.from(h.salt, "base64url").length >= 16 &&
    typeof h.check === "string";
  if (!valid) {
    throw new EntrakitError("usage", "The file's sealing section is not one entrakit writes.", {
      hint: "Export the instances again with entrakit instance export --include-secrets.",
    });
  }
  const full = h as SealingHeader;
  const bytes = derive(passphrase, full);
  if (open(bytes, CHECK_AAD, full.check) !== CHECK_TEXT) {
    throw new EntrakitError("sealed_data", "The passphrase does not open this file's secrets.", {
      hint: "Give the passphrase used for the export (--passphrase-env VAR).",
    });
  }
  return { header: full, bytes };
}

export function sealSecret(key: ExportKey, instance: string, param: string, value: string): string {
  return seal(key.bytes, bindTo(instance, param), value);
}

export function openSecret(key: ExportKey, instance: string, param: string, sealed: unknown): string {
  const value = typeof sealed === "string" ? open(key.bytes, bindTo(instance, param), sealed) : undefined;
  if (value === undefined) {
    throw new EntrakitError("sealed_data", `Instance "${instance}", secrets.${param}: does not open.`, {
      hint: "The file was changed after the export, or the value was moved; export the instance again.",
    });
  }
  return value;
}
