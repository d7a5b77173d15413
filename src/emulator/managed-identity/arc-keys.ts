/**
 * Azure Arc's proof of local access: each unauthenticated request gets a 401 naming a freshly written
 * `.key` file, and only a process that can read that file can answer the challenge. Secrets are single
 * use and expire after a minute of emulator time, like the agent's ephemeral key files.
 */
import { randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Clock } from "../contracts.ts";

const KEY_LIFETIME_MS = 60_000;
/** Unanswered challenges kept at most; the oldest key file goes first (a flood cannot fill the disk). */
const MAX_PENDING = 256;

export class ArcKeyFiles {
  readonly directory: string;
  readonly #ownsDirectory: boolean;
  readonly #clock: Clock;
  /** Secret → expiry (ms since the epoch) and file path. */
  readonly #pending = new Map<string, { expiresAt: number; path: string }>();

  constructor(clock: Clock, stateDir: string | undefined) {
    this.#clock = clock;
    if (stateDir) {
      this.directory = join(stateDir, "arc-tokens");
      mkdirSync(this.directory, { recursive: true, mode: 0o700 });
      this.#ownsDirectory = false;
    } else {
      this.directory = mkdtempSync(join(tmpdir(), "entrakit-arc-"));
      this.#ownsDirectory = true;
    }
  }

  /** Write a new key file and return its path (the `realm` of the challenge). */
  issue(): string {
    this.#dropExpired();
    if (this.#pending.size >= MAX_PENDING) {
      const [oldest, entry] = this.#pending.entries().next().value!;
      this.#pending.delete(oldest);
      rmSync(entry.path, { force: true });
    }
    const secret = randomBytes(32).toString("hex");
    const path = join(this.directory, `${randomUUID()}.key`);
    writeFileSync(path, secret, { mode: 0o600 });
    this.#pending.set(secret, { expiresAt: this.#clock.now() + KEY_LIFETIME_MS, path });
    return path;
  }

  /** Check an `Authorization: Basic <secret>` value; a matching secret is consumed. */
  redeem(authorization: string): boolean {
    this.#dropExpired();
    const match = /^Basic\s+(\S+)\s*$/i.exec(authorization);
    if (!match) return false;
    const offered = Buffer.from(match[1]!);
    for (const [secret, entry] of this.#pending) {
      const expected = Buffer.from(secret);
      if (expected.length === offered.length && timingSafeEqual(expected, offered)) {
        this.#pending.delete(secret);
        rmSync(entry.path, { force: true });
        return true;
      }
    }
    return false;
  }

  close(): void {
    for (const entry of this.#pending.values()) rmSync(entry.path, { force: true });
    this.#pending.clear();
    if (this.#ownsDirectory) rmSync(this.directory, { recursive: true, force: true });
  }

  #dropExpired(): void {
    const now = this.#clock.now();
    for (const [secret, entry] of this.#pending) {
      if (entry.expiresAt <= now) {
        this.#pending.delete(secret);
        rmSync(entry.path, { force: true });
      }
    }
  }
}
