import { randomUUID } from "node:crypto";
import { after, before, describe } from "node:test";
import { openStore } from "../../src/store/index.ts";
import { sleep, withPrefix } from "./helpers/clock.ts";
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
  storeContract("Redis", async () => ({
    store: await openStore({ url: withPrefix(redis.url, prefix), env: {} }),
    advance: (ms) => sleep(ms),
  }));
}
