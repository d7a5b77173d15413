/**
 * What `entrakit store info` shows: where the store is, where its master key comes from, whether that
 * key matches the store, and how many records (sealed or not) each instance holds. Reads raw records
 * only: it never decrypts anything and never prints a value or a key.
 */
import { existsSync } from "node:fs";
import { masterKeySource, openBackend, resolveStoreLocation } from "./open.ts";
import { isSealed } from "./seal.ts";
import { META_NAMESPACE, readSealMarker } from "./store.ts";
import type { OpenStoreOptions, StoreKind } from "./types.ts";

export interface StoreInfo {
  kind: StoreKind;
  location: string;
  /** False for a SQLite file not created yet (info never creates it). */
  exists: boolean;
  /** Where the master key comes from (an environment variable or a key file path), never the key. */
  keySource: string;
  /** Id of the configured key; undefined when the key file does not exist yet. */
  keyId?: string;
  /** Id of the key the store is sealed with; undefined when nothing was sealed yet. */
  sealedWith?: string;
  /** Set while a key rotation has not finished. */
  rotatingTo?: string;
  /** True when the configured key can open the store (or nothing is sealed yet). */
  keyMatches: boolean;
  /** A `<key file>.next` left by an unfinished rotation. */
  pendingKeyFile?: string;
  instances: { name: string; records: number; sealed: number }[];
}

export async function describeStore(options: OpenStoreOptions = {}): Promise<StoreInfo> {
  const location = resolveStoreLocation(options);
  const source = masterKeySource(location, options);
  const key = source.load();
  if (location.kind === "sqlite" && !existsSync(location.path!)) {
    const info: StoreInfo = {
      kind: location.kind,
      location: location.display,
      exists: false,
      keySource: source.description,
      keyMatches: true,
      instances: [],
    };
    if (key) info.keyId = key.id;
    return info;
  }
  const backend = await openBackend(location, options.now);
  try {
    const { marker } = await readSealMarker(backend);
    const info: StoreInfo = {
      kind: location.kind,
      location: location.display,
      exists: true,
      keySource: source.description,
      keyMatches: !marker || (key?.id === marker.keyId && !marker.rotatingTo),
      instances: [],
    };
    if (key) info.keyId = key.id;
    if (marker) info.sealedWith = marker.keyId;
    if (marker?.rotatingTo) info.rotatingTo = marker.rotatingTo;
    if (location.keyFile && existsSync(`${location.keyFile}.next`))
      info.pendingKeyFile = `${location.keyFile}.next`;
    for (const name of await backend.namespaces()) {
      if (name === META_NAMESPACE) continue;
      const keys = await backend.list(name);
      let sealed = 0;
      for (const k of keys) {
        const raw = await backend.get(name, k);
        if (raw && isSealed(raw.data)) sealed++;
      }
      info.instances.push({ name, records: keys.length, sealed });
    }
    return info;
  } finally {
    await backend.close();
  }
}
