/**
 * Master key rotation. Interruption-safe because every record names the key that sealed it:
 *  1. the seal marker records `rotatingTo: <new key id>` (other processes now refuse to seal with the
 *     old key and ask for the rotation to be finished);
 *  2. each sealed record is re-sealed under the new key with a compare-and-set on its version, one record
 *     at a time, so each record is always whole under exactly one of the two keys;
 *  3. the marker is switched to the new key.
 * Killed at any point, running the rotation again with the same two keys skips the records already under
 * the new key and finishes the rest: nothing is lost as long as both keys are kept until it completes.
 */
import { renameSync } from "node:fs";
import { EntrakitError } from "../errors.ts";
import { openBackend, resolveStoreLocation } from "./open.ts";
import {
  generateMasterKey,
  isSealed,
  type MasterKey,
  masterKeyFromBytes,
  open,
  parseMasterKey,
  readKeyFile,
  seal,
  sealedKeyId,
  writeKeyFile,
} from "./seal.ts";
import { EntrakitStore, META_NAMESPACE, readSealMarker, SEAL_MARKER_KEY, type SealMarker } from "./store.ts";
import type { OpenStoreOptions, StoreBackend } from "./types.ts";

export interface RecordRef {
  namespace: string;
  key: string;
}

export interface RotationReport {
  /** Records re-sealed under the new key by this run. */
  resealed: number;
  /** Records already under the new key (an earlier, interrupted run). */
  alreadyNew: number;
  /** Plain (unsealed) records, left as they are. */
  plain: number;
  /** Records that fail to open under the old key; left untouched, they were unreadable already. */
  corrupted: RecordRef[];
  /** Records sealed under some third key; left untouched. */
  unknownKey: RecordRef[];
}

async function writeMarker(
  backend: StoreBackend,
  marker: SealMarker,
  expectedVersion: number,
): Promise<void> {
  const result = await backend.set(META_NAMESPACE, SEAL_MARKER_KEY, JSON.stringify(marker), {
    expectedVersion,
  });
  if (!result.ok) {
    throw new EntrakitError("conflict", "the store's seal marker changed during the key rotation.", {
      hint: "Another rotation may be running; wait for it, then run `entrakit store rotate-key` again.",
    });
  }
}

/** Step 1: checks the old key against the marker and records the rotation in progress. */
async function beginRotation(backend: StoreBackend, oldKey: MasterKey, newKey: MasterKey): Promise<void> {
  const { marker, version } = await readSealMarker(backend);
  if (!marker) return writeMarker(backend, { keyId: oldKey.id, rotatingTo: newKey.id }, 0);
  if (marker.keyId === newKey.id && !marker.rotatingTo) return; // done already; sweep again, harmless
  if (marker.keyId !== oldKey.id) {
    throw new EntrakitError(
      "sealed_data",
      "the current master key given for the rotation does not match the one that sealed this store; nothing was changed.",
      { hint: "Set ENTRAKIT_MASTER_KEY (or the key file) to the key the store is sealed with." },
    );
  }
  if (marker.rotatingTo && marker.rotatingTo !== newKey.id) {
    throw new EntrakitError(
      "sealed_data",
      `an earlier rotation to another key (id ${marker.rotatingTo}) did not finish; nothing was changed.`,
      { hint: "Finish that rotation first, with the new key it used." },
    );
  }
  if (!marker.rotatingTo) await writeMarker(backend, { keyId: oldKey.id, rotatingTo: newKey.id }, version);
}

/** Re-seals one record under the new key, retrying when a writer changes it meanwhile. */
async function resealRecord(
  backend: StoreBackend,
  ref: RecordRef,
  oldKey: MasterKey,
  newKey: MasterKey,
  report: RotationReport,
): Promise<void> {
  for (;;) {
    const raw = await backend.get(ref.namespace, ref.key);
    if (!raw) return;
    if (!isSealed(raw.data)) {
      report.plain++;
      return;
    }
    const keyId = sealedKeyId(raw.data);
    if (keyId === newKey.id) {
      report.alreadyNew++;
      return;
    }
    if (keyId !== oldKey.id) {
      (keyId === undefined ? report.corrupted : report.unknownKey).push(ref);
      return;
    }
    let plaintext: string;
    try {
      plaintext = open(oldKey, raw.data, ref.namespace, ref.key);
    } catch {
      report.corrupted.push(ref);
      return;
    }
    const options: { expectedVersion: number; ttlMs?: number } = { expectedVersion: raw.version };
    if (raw.expiresAt !== undefined) {
      options.ttlMs = raw.expiresAt - Date.now();
      if (options.ttlMs <= 0) return; // expires now anyway
    }
    const result = await backend.set(
      ref.namespace,
      ref.key,
      seal(newKey, plaintext, ref.namespace, ref.key),
      options,
    );
    if (result.ok) {
      report.resealed++;
      return;
    }
  }
}

/** Re-seals every sealed record of the store from `oldKey` to `newKey` (see the module comment). */
export async function rotateMasterKey(
  store: EntrakitStore | StoreBackend,
  oldKey: MasterKey,
  newKey: MasterKey,
): Promise<RotationReport> {
  const backend = store instanceof EntrakitStore ? store.backend : store;
  if (oldKey.id === newKey.id) {
    throw new EntrakitError("usage", "the new master key is the same as the current one.", {
      hint: "Generate a new one with: openssl rand -base64 32",
    });
  }
  await beginRotation(backend, oldKey, newKey);
  const report: RotationReport = { resealed: 0, alreadyNew: 0, plain: 0, corrupted: [], unknownKey: [] };
  for (const namespace of await backend.namespaces()) {
    if (namespace === META_NAMESPACE) continue;
    for (const key of await backend.list(namespace)) {
      await resealRecord(backend, { namespace, key }, oldKey, newKey, report);
    }
  }
  const { marker, version } = await readSealMarker(backend);
  if (marker?.rotatingTo === newKey.id) await writeMarker(backend, { keyId: newKey.id }, version);
  return report;
}

export interface ConfiguredRotation {
  report: RotationReport;
  oldKeyId: string;
  newKeyId: string;
  /** The key file now holding the new key; undefined when the keys come from the environment. */
  keyFile?: string;
}

/**
 * Rotates the key the store is configured with. With `ENTRAKIT_MASTER_KEY`, the new key must be given in
 * `ENTRAKIT_NEW_MASTER_KEY` and the caller then switches the variable. With a key file, the new key is
 * written (0600) to `<key file>.next` first (or taken from `ENTRAKIT_NEW_MASTER_KEY`), the records are
 * re-sealed, and only then is `.next` renamed over the key file: a run killed at any point is finished
 * by running it again, which picks up `.next`.
 */
export async function rotateConfiguredMasterKey(options: OpenStoreOptions = {}): Promise<ConfiguredRotation> {
  const env = options.env ?? process.env;
  const location = resolveStoreLocation(options);
  if (location.kind === "memory") {
    throw new EntrakitError(
      "usage",
      "a memory: store lives only in its process; there is nothing to rotate.",
    );
  }
  const givenNew = env.ENTRAKIT_NEW_MASTER_KEY
    ? parseMasterKey(env.ENTRAKIT_NEW_MASTER_KEY, "ENTRAKIT_NEW_MASTER_KEY")
    : undefined;
  const fromEnv = options.masterKey
    ? masterKeyFromBytes(options.masterKey)
    : env.ENTRAKIT_MASTER_KEY
      ? parseMasterKey(env.ENTRAKIT_MASTER_KEY, "ENTRAKIT_MASTER_KEY")
      : undefined;
  let oldKey: MasterKey;
  let newKey: MasterKey;
  let keyFile: string | undefined;
  if (fromEnv) {
    if (!givenNew) {
      throw new EntrakitError(
        "usage",
        "the master key comes from ENTRAKIT_MASTER_KEY, so the new key must be given too.",
        {
          hint: "Set ENTRAKIT_NEW_MASTER_KEY to a new key (openssl rand -base64 32), run again, then set ENTRAKIT_MASTER_KEY to it.",
        },
      );
    }
    oldKey = fromEnv;
    newKey = givenNew;
  } else {
    keyFile = location.keyFile!;
    const current = readKeyFile(keyFile);
    if (!current) {
      throw new EntrakitError(
        "usage",
        `this store has no master key yet (no ENTRAKIT_MASTER_KEY, no key file ${keyFile}).`,
        {
          hint: "Nothing is sealed yet, so there is nothing to rotate.",
        },
      );
    }
    oldKey = current;
    const next = `${keyFile}.next`;
    const pending = readKeyFile(next);
    if (pending && givenNew && pending.id !== givenNew.id) {
      throw new EntrakitError(
        "usage",
        `an unfinished rotation left ${next} with another key than ENTRAKIT_NEW_MASTER_KEY.`,
        {
          hint: "Unset ENTRAKIT_NEW_MASTER_KEY to finish that rotation first.",
        },
      );
    }
    newKey = pending ?? givenNew ?? generateMasterKey();
    if (!pending && !writeKeyFile(next, newKey)) newKey = readKeyFile(next)!;
  }
  const backend = await openBackend(location, options.now);
  let report: RotationReport;
  try {
    report = await rotateMasterKey(backend, oldKey, newKey);
  } finally {
    await backend.close();
  }
  if (keyFile) renameSync(`${keyFile}.next`, keyFile);
  const result: ConfiguredRotation = { report, oldKeyId: oldKey.id, newKeyId: newKey.id };
  if (keyFile) result.keyFile = keyFile;
  return result;
}
