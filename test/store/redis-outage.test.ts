/**
 * Redis going away mid-request and coming back, on a redis-server of our own (fsync-always append-only
 * file, so what was committed before the crash survives it): a clear `store` error while it is down, no
 * data loss, and recovery without reopening the store.
 */
import assert from "node:assert/strict";
import { connect } from "node:net";
import { describe, it } from "node:test";
import { generateMasterKey, openStore } from "../../src/store/index.ts";
import { encodeMasterKey } from "../../src/store/seal.ts";
import { sleep } from "./helpers/clock.ts";
import { redisUnavailableReason, startRedisChild } from "./helpers/redis.ts";

/** Sends one raw command on its own connection (used to pause the server under our request). */
function rawCommand(port: number, command: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => socket.write(`${command}\r\n`));
    socket.once("data", () => {
      socket.destroy();
      resolve();
    });
    socket.once("error", reject);
  });
}

/** Retries `run` until it succeeds: the client reconnects with back-off, so recovery takes a moment. */
async function eventually<T>(run: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      if (attempt >= 100) throw error;
      await sleep(100);
    }
  }
}

const skip = redisUnavailableReason(true);
describe("Redis going away", { skip }, () => {
  it("fails in-flight and new requests clearly, loses nothing, and recovers when the server returns", async () => {
    const redis = await startRedisChild(true);
    const store = await openStore({
      url: redis.url,
      env: { ENTRAKIT_MASTER_KEY: encodeMasterKey(generateMasterKey()) },
    });
    try {
      await store.set("inst", "refresh", "fake-refresh", { seal: true });
      await store.set("inst", "counter", 1);

      // Hold the server so our request is in flight, then crash it under the request.
      await rawCommand(redis.port, "CLIENT PAUSE 10000 ALL");
      const inFlight = store.get("inst", "refresh");
      await sleep(50);
      await redis.kill();
      const storeError = {
        code: "store",
        message: /^the Redis store at redis:\/\/127\.0\.0\.1:\d+ failed to read: the server is unreachable/,
        hint: /Check that Redis is running/,
      };
      await assert.rejects(inFlight, storeError);
      await assert.rejects(store.get("inst", "counter"), storeError);
      await assert.rejects(store.set("inst", "counter", 2), { code: "store" });
      await assert.rejects(store.acquireLease("inst", "l", { owner: "o", ttlMs: 1000 }), { code: "store" });

      await redis.start();
      const recovered = await eventually(() => store.get("inst", "refresh"));
      assert.equal(recovered?.value, "fake-refresh", "the sealed record survived the crash");
      assert.equal((await store.get("inst", "counter"))?.value, 1, "the failed write did not half-happen");
      assert.equal((await store.update<number>("inst", "counter", (n) => (n ?? 0) + 1))?.value, 2);
      assert.ok(await store.acquireLease("inst", "l", { owner: "o", ttlMs: 1000 }));
    } finally {
      await store.close();
      await redis.kill();
    }
  });
});
