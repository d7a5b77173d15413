/**
 * The cache and the refresh-token rotation across real processes: 8 workers on one SQLite file or one
 * Redis, against the emulator, counted in its request log. Two emulators: the default one with strictly
 * single-use refresh tokens, and one with `identity.refreshTokenReuse: "entra"` (Entra ID's real behaviour:
 * a redeemed refresh token stays valid) for the kill -9 rounds.
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
/** Single-use refresh tokens (the emulator's default). */
let t: TestEmulator;
/** Entra's reuse rule: a redeemed refresh token stays valid until inactivity or revocation. */
let entra: TestEmulator;
const caFiles = new Map<TestEmulator, string>();

before(async () => {
  t = await startTestEmulator();
  entra = await startTestEmulator({ config: { identity: { refreshTokenReuse: "entra" } } });
  for (const [name, e] of [
    ["strict", t],
    ["entra", entra],
  ] as const) {
    const file = join(dir, `ca-${name}.pem`);
    writeFileSync(file, e.emulator.caCert!);
    caFiles.set(e, file);
  }
});
after(async () => {
  await t.close();
  await entra.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Worker {
  child: ChildProcess;
  /** Resolves with the first line that satisfies `match`. */
  line(match: (line: string) => boolean): Promise<string>;
  go(): void;
  exited: Promise<number | null>;
}

function worker(
  storeUrl: string,
  namespace: string,
  extra: Record<string, string>,
  e: TestEmulator = t,
): Worker {
  const child = spawn(process.execPath, [CHILD], {
    env: {
      ...process.env,
      ENTRAKIT_MASTER_KEY: masterKey.toString("base64"),
      EK_STORE_URL: storeUrl,
      EK_NAMESPACE: namespace,
      EK_EMULATOR_URL: e.emulator.url,
      EK_CA_FILE: caFiles.get(e)!,
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
async function signIn(
  store: Store,
  namespace: string,
  e: TestEmulator = t,
): Promise<AuthorizationCodeCredential> {
  const response = await e.http.send({
    method: "POST",
    url: `${e.emulator.url}/${DEV_TENANT.id}/oauth2/v2.0/token`,
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
  const credential = delegated(store, namespace, {}, e);
  await credential.redeem(`refresh_token:${refreshToken}`);
  return credential;
}

function delegated(
  store: Store,
  namespace: string,
  rotation = {},
  e: TestEmulator = t,
): AuthorizationCodeCredential {
  return new AuthorizationCodeCredential({
    authorityHost: e.emulator.url,
    tenantId: DEV_TENANT.id,
    clientId: DEV_APP.clientId,
    clientSecret: DEV_APP.secret,
    redirectUri: "http://localhost/callback",
    scopes: [GRAPH_USER_READ],
    http: e.http,
    store,
    namespace,
    rotation,
  });
}

function tokenLog(grantType: string, e: TestEmulator = t) {
  return e.emulator.admin
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

  it("20 rounds of kill -9 at random points, the redeemed window included, against Entra's reuse rule: always a token, no new sign-in", async () => {
    const ns = `crash-${randomUUID()}`;
    await signIn(store, ns, entra);
    entra.emulator.admin.clearRequests();
    const schedule = killSchedule(20);
    const kills: string[] = [];
    for (const [round, { step, at }] of schedule.entries()) {
      const w = worker(
        storeUrl,
        ns,
        {
          EK_MODE: "crash",
          EK_KILL_STEP: step,
          EK_KILL_AT: String(at),
          EK_LEASE_TTL_MS: String(LEASE_TTL_MS),
        },
        entra,
      );
      await w.line((l) => l === "ready");
      w.go();
      await w.line((l) => l === `at ${step}`);
      w.child.kill("SIGKILL");
      await w.exited;
      kills.push(`${step}#${at}`);
      // A surviving process carries on from the store (after the dead holder's lease expires).
      const token = await delegated(store, ns, { leaseTtlMs: LEASE_TTL_MS }, entra).getToken({
        forceRefresh: true,
      });
      assert.ok(token.token, `round ${round} (${step}#${at})`);
    }
    const refreshes = tokenLog("refresh_token", entra);
    assert.deepEqual(
      refreshes.filter((r) => r.status !== 200),
      [],
      `no refresh was refused (kills: ${kills.join(", ")})`,
    );
    // Each round: the worker's completed refreshes, the one it may have sent before dying, the survivor's.
    assert.ok(refreshes.length >= 20, `${refreshes.length} refreshes`);
    assert.ok(
      tokenLog("authorization_code", entra).length === 0 && tokenLog("password", entra).length === 0,
      "no new sign-in",
    );
  });

  it("single-use refresh tokens, killed between the server's rotation and our commit: the previous token stays stored whole; the error says sign in", async () => {
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

const KILL_STEPS: RotationStep[] = ["leased", "read", "redeemed", "committed", "released"];

/**
 * Random kill points: every step at least twice (so the redeemed window is always exercised), the rest
 * drawn at random, in random order, each at a random occurrence (1st–3rd refresh of the worker).
 */
function killSchedule(rounds: number): Array<{ step: RotationStep; at: number }> {
  const pick = () => KILL_STEPS[Math.floor(Math.random() * KILL_STEPS.length)]!;
  const steps = [...KILL_STEPS, ...KILL_STEPS];
  while (steps.length < rounds) steps.push(pick());
  for (let i = steps.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [steps[i], steps[j]] = [steps[j]!, steps[i]!];
  }
  return steps.map((step) => ({ step, at: 1 + Math.floor(Math.random() * 3) }));
}
