/**
 * The cache and the refresh-token rotation across real processes: 8 workers on one SQLite file or one
 * Redis, against the emulator, counted in its request log.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { after, before, describe, it } from "node:test";
import { AuthorizationCodeCredential } from "../../../src/auth/authorization-code.ts";
import type { RotationStep } from "../../../src/auth/cache/refresh-rotation.ts";
import { DEV_APP, DEV_TENANT, DEV_USER } from "../../../src/emulator/well-known.ts";
import { openStore } from "../../../src/store/index.ts";
import type { Store } from "../../../src/store/types.ts";
import { redisForTests, redisUnavailableReason, type TestRedis } from "../../store/helpers/redis.ts";
import { startTestEmulator, type TestEmulator } from "../emulator.ts";

const CHILD = new URL("./helpers/child.ts", import.meta.url).pathname;
const GRAPH_USER_READ = "https://graph.microsoft.com/User.Read";
const dir = mkdtempSync(join(tmpdir(), "entrakit-cache-mp-"));
const masterKey = randomBytes(32);
let t: TestEmulator;
let caFile: string;

before(async () => {
  t = await startTestEmulator();
  caFile = join(dir, "ca.pem");
  writeFileSync(caFile, t.emulator.caCert!);
});
after(async () => {
  await t.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Worker {
  child: ChildProcess;
  /** Resolves with the first line that satisfies `match`. */
  line(match: (line: string) => boolean): Promise<string>;
  go(): void;
  exited: Promise<number | null>;
}

function worker(storeUrl: string, namespace: string, extra: Record<string, string>): Worker {
  const child = spawn(process.execPath, [CHILD], {
    env: {
      ...process.env,
      ENTRAKIT_MASTER_KEY: masterKey.toString("base64"),
      EK_STORE_URL: storeUrl,
      EK_NAMESPACE: namespace,
      EK_EMULATOR_URL: t.emulator.url,
      EK_CA_FILE: caFile,
      ...extra,
    },
    stdio: ["pipe", "pipe", "inherit"],
  });
  const lines: string[] = [];
  const waiters: Array<{ match: (l: string) => boolean; resolve: (l: string) => void }> = [];
  createInterface({ input: child.stdout! }).on("line", (l) => {
    lines.push(l);
    for (const w of [...waiters]) {
      if (w.match(l)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(l);
      }
    }
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return {
    child,
    exited,
    go: () => child.stdin!.write("go\n"),
    line: (match) =>
      new Promise((resolve, reject) => {
        const seen = lines.find(match);
        if (seen !== undefined) return resolve(seen);
        waiters.push({ match, resolve });
        exited.then(() =>
          reject(new Error(`worker exited before printing the line (got: ${lines.join(" / ")})`)),
        );
      }),
  };
}

async function runAll(workers: Worker[]): Promise<string[]> {
  await Promise.all(workers.map((w) => w.line((l) => l === "ready")));
  for (const w of workers) w.go();
  const results = await Promise.all(workers.map((w) => w.line((l) => l.startsWith("{"))));
  await Promise.all(workers.map((w) => w.exited));
  return results;
}

/** A real sign-in without a browser: the emulator's password grant, with offline_access. */
async function signIn(store: Store, namespace: string, rotation = {}): Promise<AuthorizationCodeCredential> {
  const response = await t.http.send({
    method: "POST",
    url: `${t.emulator.url}/${DEV_TENANT.id}/oauth2/v2.0/token`,
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "password",
      client_id: DEV_APP.clientId,
      client_secret: DEV_APP.secret,
      username: DEV_USER.userPrincipalName,
      password: DEV_USER.password,
      scope: `offline_access ${GRAPH_USER_READ}`,
    }).toString(),
  });
  const refreshToken = (JSON.parse(response.text) as { refresh_token: string }).refresh_token;
  const credential = delegated(store, namespace, rotation);
  await credential.redeem(`refresh_token:${refreshToken}`);
  return credential;
}

function delegated(store: Store, namespace: string, rotation = {}): AuthorizationCodeCredential {
  return new AuthorizationCodeCredential({
    authorityHost: t.emulator.url,
    tenantId: DEV_TENANT.id,
    clientId: DEV_APP.clientId,
    clientSecret: DEV_APP.secret,
    redirectUri: "http://localhost/callback",
    scopes: [GRAPH_USER_READ],
    http: t.http,
    store,
    namespace,
    rotation,
  });
}

function tokenLog(grantType: string) {
  return t.emulator.admin
    .requests({ path: /\/oauth2\/v2\.0\/token$/ })
    .filter((r) => r.grantType === grantType);
}

function suite(name: string, storeUrl: () => string): void {
  describe(`across 8 processes: ${name}`, () => {
    let store: Store;
    before(async () => {
      store = await openStore({ url: storeUrl(), env: {}, masterKey });
    });
    after(() => store.close());

    it("8 processes × 200 concurrent callers on a cold cache: exactly 1 token request", async () => {
      t.emulator.admin.clearRequests();
      const ns = `cold-${randomUUID()}`;
      const workers = Array.from({ length: 8 }, () =>
        worker(storeUrl(), ns, { EK_MODE: "cold", EK_CALLERS: "200" }),
      );
      const results = (await runAll(workers)).map(
        (l) => JSON.parse(l) as { distinct: string[]; calls: number; stats: { fetches: number } },
      );
      assert.equal(
        results.reduce((n, r) => n + r.calls, 0),
        1600,
      );
      assert.equal(new Set(results.flatMap((r) => r.distinct)).size, 1, "every caller got the same token");
      assert.equal(
        results.reduce((n, r) => n + r.stats.fetches, 0),
        1,
      );
      assert.equal(tokenLog("client_credentials").length, 1);
    });

    it("8 processes refreshing one delegated token against single-use refresh tokens: 0 invalid_grant", async () => {
      const ns = `refresh-${randomUUID()}`;
      await signIn(store, ns);
      t.emulator.admin.clearRequests();
      const workers = Array.from({ length: 8 }, () => worker(storeUrl(), ns, { EK_MODE: "refresh" }));
      const results = (await runAll(workers)).map((l) => JSON.parse(l) as { ok: boolean; error?: string });
      assert.deepEqual(
        results.filter((r) => !r.ok),
        [],
      );
      const refreshes = tokenLog("refresh_token");
      assert.equal(refreshes.length, 8, "each process redeemed in turn, each with the latest refresh token");
      assert.deepEqual(
        refreshes.filter((r) => r.status !== 200),
        [],
        "no invalid_grant",
      );
      // The chain is intact afterwards.
      assert.ok((await delegated(store, ns).getToken({ forceRefresh: true })).token);
    });
  });
}

suite("SQLite", () => `sqlite:${join(dir, "store.db")}`);

const redisSkip = redisUnavailableReason();
if (redisSkip) {
  describe("across 8 processes: Redis", { skip: redisSkip }, () => {});
} else {
  let redis: TestRedis;
  const prefix = `entrakit-cache-mp-${randomUUID()}:`;
  before(async () => {
    redis = await redisForTests();
  });
  after(() => redis.stop());
  suite("Redis", () => redis.prefixed(prefix));
}

describe("kill -9 during refresh-token rotation (SQLite)", () => {
  const storeUrl = `sqlite:${join(dir, "crash.db")}`;
  let store: Store;
  before(async () => {
    store = await openStore({ url: storeUrl, env: {}, masterKey });
  });
  after(() => store.close());
  const LEASE_TTL_MS = 300;

  it("20 rounds killed at random steps: the instance always gets a token without a new sign-in", async () => {
    const ns = `crash-${randomUUID()}`;
    await signIn(store, ns);
    t.emulator.admin.clearRequests();
    // Every step but the server-side window (see the next test): before the redemption, after the commit.
    const steps: RotationStep[] = ["leased", "read", "committed", "released"];
    const kills: string[] = [];
    for (let round = 0; round < 20; round++) {
      const step = steps[Math.floor(Math.random() * steps.length)]!;
      const at = 1 + Math.floor(Math.random() * 3);
      const w = worker(storeUrl, ns, {
        EK_MODE: "crash",
        EK_KILL_STEP: step,
        EK_KILL_AT: String(at),
        EK_LEASE_TTL_MS: String(LEASE_TTL_MS),
      });
      await w.line((l) => l === "ready");
      w.go();
      await w.line((l) => l === `at ${step}`);
      w.child.kill("SIGKILL");
      await w.exited;
      kills.push(`${step}#${at}`);
      // A surviving process carries on from the store (after the dead holder's lease expires).
      const token = await delegated(store, ns, { leaseTtlMs: LEASE_TTL_MS }).getToken({ forceRefresh: true });
      assert.ok(token.token, `round ${round} (${step}#${at})`);
    }
    const refused = tokenLog("refresh_token").filter((r) => r.status !== 200);
    assert.deepEqual(refused, [], `no refresh was refused (kills: ${kills.join(", ")})`);
    assert.ok(
      tokenLog("authorization_code").length === 0 && tokenLog("password").length === 0,
      "no new sign-in",
    );
  });

  it("killed between the server's rotation and our commit: the previous token stays stored whole; the error says sign in", async () => {
    const ns = `crash-window-${randomUUID()}`;
    await signIn(store, ns);
    const before = await store.list(ns);
    const w = worker(storeUrl, ns, {
      EK_MODE: "crash",
      EK_KILL_STEP: "redeemed",
      EK_LEASE_TTL_MS: String(LEASE_TTL_MS),
    });
    await w.line((l) => l === "ready");
    w.go();
    await w.line((l) => l === "at redeemed");
    w.child.kill("SIGKILL");
    await w.exited;
    assert.deepEqual(await store.list(ns), before, "nothing was deleted or blanked");
    await assert.rejects(
      delegated(store, ns, { leaseTtlMs: LEASE_TTL_MS }).getToken({ forceRefresh: true }),
      {
        code: "authentication_failed",
      },
    );
  });
});
