/**
 * `openStore`: turns a store URL (or `ENTRAKIT_STORE`) and the master key settings into a ready Store.
 * The table of schemes below is the whole list of supported backends.
 */
import { mkdirSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { EntrakitError } from "../errors.ts";
import { MemoryBackend } from "./memory.ts";
import { redactRedisUrl } from "./redis-url.ts";
import { generateMasterKey, masterKeyFromBytes, parseMasterKey, readKeyFile, writeKeyFile } from "./seal.ts";
import { SqliteBackend } from "./sqlite.ts";
import { EntrakitStore, fixedKeySource, type MasterKeySource } from "./store.ts";
import type { NowFn, OpenStoreOptions, StoreBackend, StoreKind } from "./types.ts";

type Env = Record<string, string | undefined>;

/** `$ENTRAKIT_HOME`, else `$XDG_STATE_HOME/entrakit`, else `~/.local/state/entrakit`. */
export function entrakitHome(env: Env = process.env): string {
  if (env.ENTRAKIT_HOME) return resolve(env.ENTRAKIT_HOME);
  const state = env.XDG_STATE_HOME || join(env.HOME || homedir(), ".local", "state");
  return join(resolve(state), "entrakit");
}

export interface StoreLocation {
  kind: StoreKind;
  /** The URL as given (may hold a password: do not print; use `display`). */
  url: string;
  /** Safe to print. */
  display: string;
  /** The SQLite file, for `sqlite:` URLs. */
  path?: string;
  /** Where a generated master key file lives (none for `memory:`). */
  keyFile?: string;
}

const SCHEMES: { prefix: string; kind: StoreKind }[] = [
  { prefix: "sqlite:", kind: "sqlite" },
  { prefix: "redis://", kind: "redis" },
  { prefix: "rediss://", kind: "redis" },
  { prefix: "memory:", kind: "memory" },
];

/** Resolves a store URL (default `$ENTRAKIT_STORE`, else `sqlite:`) without opening anything. */
export function resolveStoreLocation(options: OpenStoreOptions = {}): StoreLocation {
  const env = options.env ?? process.env;
  const url = (options.url ?? env.ENTRAKIT_STORE ?? "").trim() || "sqlite:";
  const scheme = SCHEMES.find((s) => url.toLowerCase().startsWith(s.prefix));
  if (!scheme) {
    const shown = url.includes("@") ? "(a URL with credentials)" : `"${url}"`;
    throw new EntrakitError("configuration", `unsupported store URL ${shown}.`, {
      hint: "Use sqlite: (the default file), sqlite:/path/file.db, redis://host:6379, rediss://host:6380 or memory: (ENTRAKIT_STORE).",
    });
  }
  const home = entrakitHome(env);
  switch (scheme.kind) {
    case "sqlite": {
      let rest = url.slice("sqlite:".length);
      if (rest.startsWith("//")) rest = rest.slice(2);
      const path = rest ? resolve(rest) : join(home, "store.db");
      return {
        kind: "sqlite",
        url,
        display: `sqlite:${path}`,
        path,
        keyFile: options.keyFile ?? join(dirname(path), "master.key"),
      };
    }
    case "redis":
      return {
        kind: "redis",
        url,
        display: redactRedisUrl(url),
        keyFile: options.keyFile ?? join(home, "master.key"),
      };
    default:
      return { kind: "memory", url, display: "memory:" };
  }
}

/** A key file next to the store, generated (mode 0600) on first use; losing it loses the sealed data. */
export function keyFileSource(path: string): MasterKeySource {
  return {
    description: `the key file ${path}`,
    load: () => readKeyFile(path),
    create: () => {
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      const key = generateMasterKey();
      // Another process may have written it first; then its key is the one to use.
      return writeKeyFile(path, key) ? key : readKeyFile(path);
    },
  };
}

/** The master key source: the option, else `ENTRAKIT_MASTER_KEY`, else the key file (memory: ephemeral). */
export function masterKeySource(location: StoreLocation, options: OpenStoreOptions = {}): MasterKeySource {
  const env = options.env ?? process.env;
  if (options.masterKey) return fixedKeySource(masterKeyFromBytes(options.masterKey), "the masterKey option");
  if (env.ENTRAKIT_MASTER_KEY) {
    return fixedKeySource(
      parseMasterKey(env.ENTRAKIT_MASTER_KEY, "ENTRAKIT_MASTER_KEY"),
      "ENTRAKIT_MASTER_KEY",
    );
  }
  if (!location.keyFile) return fixedKeySource(generateMasterKey(), "a per-process key of the memory store");
  return keyFileSource(location.keyFile);
}

/** Opens the backend; ioredis is loaded only for a Redis URL (it is a sizeable part of start-up). */
export async function openBackend(location: StoreLocation, now?: NowFn): Promise<StoreBackend> {
  switch (location.kind) {
    case "sqlite":
      return new SqliteBackend(now ? { path: location.path!, now } : { path: location.path! });
    case "redis": {
      const { RedisBackend } = await import("./redis.ts");
      return new RedisBackend({ url: location.url });
    }
    default:
      return new MemoryBackend(now);
  }
}

/**
 * Opens the store named by a URL or options (default `$ENTRAKIT_STORE`, else the SQLite file under the
 * entrakit home). An invalid `ENTRAKIT_MASTER_KEY` fails here; a wrong one fails on the first sealed read
 * or write, before anything is changed.
 */
export async function openStore(urlOrOptions: string | OpenStoreOptions = {}): Promise<EntrakitStore> {
  const options = typeof urlOrOptions === "string" ? { url: urlOrOptions } : urlOrOptions;
  const location = resolveStoreLocation(options);
  const keySource = masterKeySource(location, options);
  return new EntrakitStore(await openBackend(location, options.now), keySource, options.now);
}
