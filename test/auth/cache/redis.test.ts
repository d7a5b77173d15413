import { randomBytes, randomUUID } from "node:crypto";
import { after, before, describe } from "node:test";
import { openStore } from "../../../src/store/index.ts";
import { redisForTests, redisUnavailableReason, type TestRedis } from "../../store/helpers/redis.ts";
import { tokenCacheContract } from "./helpers/contract.ts";

const skip = redisUnavailableReason();
if (skip) {
  describe("Token cache contract: Redis", { skip }, () => {});
} else {
  let redis: TestRedis;
  before(async () => {
    redis = await redisForTests();
  });
  after(() => redis.stop());
  const masterKey = randomBytes(32);
  tokenCacheContract("Redis", () =>
    openStore({ url: redis.prefixed(`entrakit-cache-${randomUUID()}:`), env: {}, masterKey }),
  );
}
