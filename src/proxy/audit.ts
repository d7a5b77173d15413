/**
 * The audit trail: one JSON object per line for every consent, token grant and refusal. Only
 * identifiers and outcomes are written (registration id, tenant, app, reason): a token, key, code or
 * ciphertext has no field to go into.
 */
import { createWriteStream, type WriteStream } from "node:fs";

export type AuditEvent = "consent" | "token" | "refusal";

export interface AuditRecord {
  event: AuditEvent;
  outcome: "ok" | "refused" | "failed";
  app?: string | undefined;
  registration?: string | undefined;
  tenant?: string | undefined;
  kind?: string | undefined;
  /** client_credentials | refresh_token | authorization_code | admin_consent. */
  grant?: string | undefined;
  status?: number | undefined;
  /** A fixed reason code (`unknown_registration`, `stale_timestamp`, ...) or Entra's `error`. */
  reason?: string | undefined;
  errorCodes?: number[] | undefined;
  address?: string | undefined;
  /** The caller's `X-Content-Name` / `X-Content-Version` information headers, when sent. */
  client?: string | undefined;
}

export interface AuditLog {
  write(record: AuditRecord): void;
  close(): Promise<void>;
}

/** `-` writes to standard output; anything else is a file opened for appending (mode 0600). */
export function openAuditLog(target: string, now: () => number = Date.now): AuditLog {
  const stream: NodeJS.WritableStream | WriteStream =
    target === "-" ? process.stdout : createWriteStream(target, { flags: "a", mode: 0o600 });
  return auditLogTo(
    (line) => stream.write(line),
    now,
    async () => {
      if (stream === process.stdout) return;
      await new Promise<void>((resolve) => (stream as WriteStream).end(resolve));
    },
  );
}

export function auditLogTo(
  write: (line: string) => void,
  now: () => number = Date.now,
  close: () => Promise<void> = async () => {},
): AuditLog {
  return {
    write(record) {
      const line: Record<string, unknown> = { time: new Date(now()).toISOString() };
      for (const [name, value] of Object.entries(record)) if (value !== undefined) line[name] = value;
      write(`${JSON.stringify(line)}\n`);
    },
    close,
  };
}
