import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { openStore } from "../../src/store/index.ts";
import { sleep } from "./helpers/clock.ts";
import { storeContract } from "./helpers/contract.ts";
import { redisForTests, redisUnavailableReason } from "./helpers/redis.ts";

const skip = redisUnavailableReason();
if (skip) {
  describe("Store contract: Redis", { skip }, () => {});
} else {
  let redis: Awaited<ReturnType<typeof redisForTests>>;
  before(async () => {
    redis = await redisForTests();
  });
  after(() => redis.stop());
  const prefix = `entrakit-test-${randomUUID()}:`;
  // Redis TTLs run on the server's clock, so time is advanced by really waiting (a few hundred ms).
  it("keeps stores with different key prefixes apart, even prefixes holding glob characters", async () => {
    const tag = randomUUID();
    const a = await openStore({ url: redis.prefixed(`t${tag}*?:`), env: {} });
    const b = await openStore({ url: redis.prefixed(`t${tag}-b:`), env: {} });
    try {
      await a.set("inst", "k", "a");
      await b.set("other", "k", "b");
      assert.deepEqual(await a.namespaces(), ["inst"]);
      assert.deepEqual(await b.namespaces(), ["other"]);
      assert.deepEqual(await a.list("inst"), ["k"]);
      assert.equal(await b.get("inst", "k"), undefined);
      assert.equal(await a.clear("inst"), 1);
      assert.equal((await b.get("other", "k"))?.value, "b");
    } finally {
      await a.close();
      await b.close();
    }
  });
  storeContract("Redis", async () => ({
    store: await openStore({ url: redis.prefixed(prefix), env: {} }),
    advance: (ms) => sleep(ms),
  }));
}
