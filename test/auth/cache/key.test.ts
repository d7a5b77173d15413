import assert from "node:assert/strict";
import { test } from "node:test";
import { DEFAULT_REFRESH_POLICY, freshness, refreshAt } from "../../../src/auth/cache/freshness.ts";
import {
  normalizeScopes,
  storeKeyOf,
  type TokenKeyParts,
  tokenCacheKey,
} from "../../../src/auth/cache/key.ts";
import { LruMap } from "../../../src/auth/cache/lru.ts";

const parts: TokenKeyParts = {
  authorityHost: "https://login.microsoftonline.com",
  tenant: "7c1e3a52-4b8d-4f6e-9a2c-5d0b1e8f3a76",
  clientId: "5f2d8c41-9e7b-4a36-8d1f-2b6c0e9a7d58",
  flow: "client_credentials",
};
const GRAPH = ["https://graph.microsoft.com/User.Read", "https://graph.microsoft.com/Mail.Read"];

test("scope order, case, duplicates and OIDC scopes do not split the cache", () => {
  const a = tokenCacheKey(parts, { scopes: GRAPH });
  const b = tokenCacheKey(parts, {
    scopes: ["offline_access", "https://GRAPH.microsoft.com/mail.read", "openid", GRAPH[0]!, GRAPH[0]!],
  });
  assert.equal(a, b);
  assert.deepEqual(normalizeScopes(["b a", " A ", "profile"]), ["a", "b"]);
});

test("a resource's trailing slash and case do not split the cache; host trailing slash neither", () => {
  const a = tokenCacheKey(parts, { resource: "https://management.azure.com/" });
  const b = tokenCacheKey(
    { ...parts, authorityHost: "https://LOGIN.microsoftonline.com/" },
    {
      resource: "https://Management.Azure.com",
    },
  );
  assert.equal(a, b);
});

test("everything that changes a token's meaning gives a different key", () => {
  const base = tokenCacheKey(parts, { scopes: GRAPH });
  const variants = [
    tokenCacheKey({ ...parts, authorityHost: "https://login.microsoftonline.us" }, { scopes: GRAPH }),
    tokenCacheKey({ ...parts, tenant: "other-tenant" }, { scopes: GRAPH }),
    tokenCacheKey({ ...parts, clientId: "other-client" }, { scopes: GRAPH }),
    tokenCacheKey({ ...parts, flow: "authorization_code" }, { scopes: GRAPH }),
    tokenCacheKey({ ...parts, extra: { account: "alice" } }, { scopes: GRAPH }),
    tokenCacheKey(parts, { scopes: GRAPH.slice(0, 1) }),
    tokenCacheKey(parts, { resource: "https://graph.microsoft.com" }),
    tokenCacheKey(parts, { scopes: GRAPH }, '{"access_token":{"xms_cc":{"values":["cp1"]}}}'),
    // `https://host//.default` names the App ID URI with a trailing slash: a different resource.
    tokenCacheKey(parts, { scopes: ["https://graph.microsoft.com//.default"] }),
  ];
  assert.equal(new Set([base, ...variants]).size, variants.length + 1);
  assert.notEqual(
    tokenCacheKey(parts, { scopes: ["https://graph.microsoft.com/.default"] }),
    tokenCacheKey(parts, { scopes: ["https://graph.microsoft.com//.default"] }),
  );
});

test("claims compare by content; separators in a field cannot forge another key", () => {
  const claims = (json: string) => tokenCacheKey(parts, { scopes: GRAPH }, json);
  assert.equal(claims('{"a":1,"b":{"d":2,"c":3}}'), claims('{ "b": {"c":3, "d":2}, "a": 1 }'));
  const forged = tokenCacheKey({ ...parts, tenant: "t|x", clientId: "c" }, { scopes: GRAPH });
  const plain = tokenCacheKey({ ...parts, tenant: "t", clientId: "x|c" }, { scopes: GRAPH });
  assert.notEqual(forged, plain);
});

test("store keys are fixed-length hashes under auth.token. (no identifiers in key names)", () => {
  const key = storeKeyOf(tokenCacheKey(parts, { scopes: GRAPH }));
  assert.match(key, /^auth\.token\.[A-Za-z0-9_-]{32}$/);
  assert.ok(!key.includes(parts.clientId));
});

test("freshness: fresh, then refresh (margin or refresh_in, whichever first), then expired", () => {
  const hour = 3_600_000;
  const token = { obtainedAt: 0, expiresOn: hour };
  const p = DEFAULT_REFRESH_POLICY;
  assert.equal(freshness(token, 0, p), "fresh");
  assert.equal(refreshAt(token, p), hour - 5 * 60_000);
  assert.equal(freshness(token, hour - 5 * 60_000 - 1, p), "fresh");
  assert.equal(freshness(token, hour - 5 * 60_000, p), "refresh");
  assert.equal(freshness(token, hour - 30_000, p), "expired");
  assert.equal(freshness({ ...token, refreshOn: hour / 2 }, hour / 2, p), "refresh");
  // A short-lived token refreshes at half its life, not 5 minutes before.
  assert.equal(refreshAt({ obtainedAt: 0, expiresOn: 4 * 60_000 }, p), 2 * 60_000);
  // A clock that went back past the fetch cannot be trusted.
  assert.equal(freshness({ obtainedAt: 1000, expiresOn: hour }, 999, p), "expired");
});

test("LRU: bounded, least recently used goes first, get refreshes recency", () => {
  const lru = new LruMap<string, number>(3);
  for (const [i, k] of ["a", "b", "c"].entries()) lru.set(k, i);
  assert.equal(lru.get("a"), 0);
  lru.set("d", 3);
  assert.equal(lru.size, 3);
  assert.equal(lru.peek("b"), undefined, "b was least recently used");
  assert.equal(lru.peek("a"), 0);
  assert.equal(
    lru.deleteWhere((k) => k !== "d"),
    2,
  );
  assert.throws(() => new LruMap(0), /positive integer/);
});
