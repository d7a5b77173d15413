import assert from "node:assert/strict";
import { test } from "node:test";
import { TokenMemo } from "../../src/auth/token-memo.ts";
import type { AccessToken } from "../../src/auth/types.ts";

test("one entry per target with its own expiry; renewed before expiry; one request in flight per target", async () => {
  let now = 1_000_000;
  const memo = new TokenMemo(() => now);
  let calls = 0;
  const fetch = (lifetimeMs: number) => async (): Promise<AccessToken> => {
    calls++;
    return { token: `t${calls}`, expiresOn: now + lifetimeMs, scopes: [] };
  };
  const graph = { scopes: ["b", "a"] };
  const [one, two] = await Promise.all([
    memo.get(graph, {}, fetch(3_600_000)),
    memo.get({ scopes: ["a", "b"] }, {}, fetch(3_600_000)),
  ]);
  assert.equal(one.token, "t1");
  assert.equal(two.token, "t1", "same scope set, one request");
  const arm = await memo.get({ resource: "r" }, {}, fetch(600_000));
  assert.equal(arm.token, "t2");
  now += 3_600_000 - 300_000 - 1;
  assert.equal(
    (await memo.get(graph, {}, fetch(3_600_000))).token,
    "t1",
    "still fresh just before the margin",
  );
  assert.equal(
    (await memo.get({ resource: "r" }, {}, fetch(600_000))).token,
    "t3",
    "the short-lived one renewed",
  );
  now += 2;
  assert.equal(
    (await memo.get(graph, {}, fetch(3_600_000))).token,
    "t4",
    "renewed five minutes before expiry",
  );
  assert.equal((await memo.get(graph, { forceRefresh: true }, fetch(3_600_000))).token, "t5");
  assert.equal((await memo.get(graph, { claims: "{}" }, fetch(3_600_000))).token, "t6");
  await assert.rejects(
    memo.get({ resource: "x" }, {}, async () => Promise.reject(new Error("boom"))),
    /boom/,
  );
  assert.equal(
    (await memo.get({ resource: "x" }, {}, fetch(600_000))).token,
    "t7",
    "a failure is not cached",
  );
});

test("refresh_in wins over the margin", async () => {
  let now = 0;
  const memo = new TokenMemo(() => now);
  let calls = 0;
  const fetch = async (): Promise<AccessToken> => ({
    token: `t${++calls}`,
    expiresOn: now + 86_400_000,
    refreshOn: now + 43_200_000,
    scopes: [],
  });
  await memo.get({ resource: "r" }, {}, fetch);
  now = 43_200_000;
  assert.equal((await memo.get({ resource: "r" }, {}, fetch)).token, "t2");
});
