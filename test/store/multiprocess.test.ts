/**
 * Several real processes on one store: no lost CAS update, and leases that exclude each other with
 * increasing fences. SQLite always; Redis when available.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { promisify } from "node:util";
import { generateMasterKey, openStore } from "../../src/store/index.ts";
import { encodeMasterKey } from "../../src/store/seal.ts";
import { redisForTests, redisUnavailableReason } from "./helpers/redis.ts";

const run = promisify(execFile);
const hammer = join(import.meta.dirname, "helpers", "hammer.ts");
const PROCESSES = 4;
const INCREMENTS = 100;
const LEASE_ROUNDS = 25;
const env = { ...process.env, ENTRAKIT_MASTER_KEY: encodeMasterKey(generateMasterKey()) };

async function hammerStore(url: string): Promise<void> {
  const children = Array.from({ length: PROCESSES }, (_, id) =>
    run(process.execPath, [hammer, url, String(INCREMENTS), String(LEASE_ROUNDS), String(id)], { env }),
  );
  const results = (await Promise.all(children)).map(
    ({ stdout }) => JSON.parse(stdout) as { acquired: number },
  );
  assert.deepEqual(
    results.map((r) => r.acquired),
    Array(PROCESSES).fill(LEASE_ROUNDS),
  );
  const store = await openStore({ url, env });
  try {
    const counter = await store.get<number>("shared", "counter");
    assert.equal(counter?.value, PROCESSES * INCREMENTS, "no CAS increment was lost");
    assert.equal(counter?.sealed, true);
    const fences = (await store.get<number[]>("shared", "fences"))?.value ?? [];
    assert.equal(fences.length, PROCESSES * LEASE_ROUNDS, "no write under the lease was lost");
    for (let i = 1; i < fences.length; i++) assert.ok(fences[i]! > fences[i - 1]!, "fences increase");
  } finally {
    await store.close();
  }
}

describe("several processes on one store", () => {
  const dir = mkdtempSync(join(tmpdir(), "entrakit-mp-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it(`SQLite: ${PROCESSES} processes opening the same new file at once lose no update`, () =>
    hammerStore(`sqlite:${join(dir, "fresh", "store.db")}`));

  const skip = redisUnavailableReason();
  it(`Redis: ${PROCESSES} processes lose no update`, { skip }, async () => {
    const redis = await redisForTests();
    try {
      await hammerStore(redis.prefixed(`entrakit-test-${randomUUID()}:`));
    } finally {
      await redis.stop();
    }
  });
});
