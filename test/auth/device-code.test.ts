import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { after, beforeEach, test } from "node:test";
import { promisify } from "node:util";
import { DeviceCodeCredential } from "../../src/auth/device-code.ts";
import { createAuthHttp } from "../../src/auth/transport.ts";
import { DEV_APP, DEV_USER } from "../../src/emulator/well-known.ts";
import { openStore } from "../../src/store/index.ts";
import type { Store } from "../../src/store/types.ts";
import { answerDeviceCode } from "./browser.ts";
import { claimsOf, recording, startTestEmulator } from "./emulator.ts";

const run = promisify(execFile);
const t = await startTestEmulator();
after(() => t.close());
const { emulator } = t;
const alice = { login: DEV_USER.userPrincipalName, password: DEV_USER.password };
const USER_READ = "https://graph.microsoft.com/User.Read";
let store: Store;

beforeEach(async () => {
  emulator.admin.clearFaults();
  emulator.admin.clearRequests();
  emulator.admin.resetClock();
  t.waits.length = 0;
  store = await openStore({ url: "memory:", masterKey: randomBytes(32) });
});

function credential(options: { sleep?: (ms: number) => Promise<void>; http?: typeof t.http } = {}) {
  return new DeviceCodeCredential({
    authorityHost: emulator.url,
    clientId: DEV_APP.clientId,
    scopes: [USER_READ],
    http: options.http ?? t.http,
    store,
    namespace: "inst",
    completeCommand: "!test-auth-complete",
    startCommand: "!test-auth-start",
    sleep: options.sleep ?? t.sleep,
  });
}

test("started in this process, completed by another process from the same SQLite store", async () => {
  const masterKey = randomBytes(32);
  const storeUrl = `sqlite:${join(t.stateDir, "device.db")}`;
  const shared = await openStore({ url: storeUrl, masterKey });
  const starter = new DeviceCodeCredential({
    authorityHost: emulator.url,
    clientId: DEV_APP.clientId,
    scopes: [USER_READ],
    http: t.http,
    store: shared,
    namespace: "inst",
    completeCommand: "!test-auth-complete",
  });
  const started = await starter.start();
  assert.equal(started.verificationUri, `${emulator.url}/devicelogin`);
  assert.ok(started.instructions.includes(`[${started.verificationUri}](${started.verificationUri})`));
  assert.ok(started.instructions.includes(`**${started.userCode}**`));
  assert.match(started.instructions, /never send this code or link by email/);
  assert.equal((await shared.get("inst", "auth.device_flow"))?.sealed, true, "the pending flow is sealed");
  await shared.close();

  const child = (singlePoll: boolean) =>
    run(process.execPath, [join(import.meta.dirname, "device-code-child.ts")], {
      env: {
        ...process.env,
        TEST_STORE_URL: storeUrl,
        TEST_MASTER_KEY: masterKey.toString("base64"),
        TEST_AUTHORITY: emulator.url,
        TEST_CLIENT_ID: DEV_APP.clientId,
        TEST_CA: emulator.caCert!,
        TEST_SINGLE_POLL: singlePoll ? "1" : "0",
      },
    }).then(
      (result) => ({ status: 0, out: JSON.parse(result.stdout) }),
      (error: { code: number; stdout: string }) => ({ status: error.code, out: JSON.parse(error.stdout) }),
    );

  const pending = await child(true);
  assert.equal(pending.status, 6, "single-poll mode has its own exit status");
  assert.equal(pending.out.code, "authorization_pending");
  assert.match(pending.out.line, /still pending/);
  assert.ok(pending.out.line.includes(started.userCode));

  await answerDeviceCode(t.http, started.verificationUri, started.userCode, alice);
  const done = await child(false);
  assert.equal(done.status, 0, JSON.stringify(done.out));
  assert.equal(done.out.upn, DEV_USER.userPrincipalName);
});

test("complete polls at the interval while pending, sends device_code, and then serves other targets", async () => {
  const http = recording(t.http);
  let started: Awaited<ReturnType<DeviceCodeCredential["start"]>> | undefined;
  const app = credential({
    http,
    sleep: async (ms) => {
      t.waits.push(ms);
      emulator.admin.advanceClock(ms);
      if (t.waits.length === 2)
        await answerDeviceCode(t.http, started!.verificationUri, started!.userCode, alice);
    },
  });
  started = await app.start();
  const token = await app.complete();
  assert.deepEqual(t.waits, [started.interval * 1000, started.interval * 1000]);
  assert.equal(
    claimsOf(token.token).upn ?? claimsOf(token.token).preferred_username,
    DEV_USER.userPrincipalName,
  );
  const polls = http.sent
    .filter((r) => r.url.endsWith("/oauth2/v2.0/token"))
    .map((r) => new URLSearchParams(r.body));
  assert.equal(polls.length, 3);
  assert.ok(polls.every((p) => p.get("device_code") && !p.has("code") && !p.has("client_secret")));
  assert.equal(await app.pending(), false, "the pending flow is removed once completed");
  const arm = await app.getToken({ scopes: ["https://management.azure.com/user_impersonation"] });
  assert.match(String(claimsOf(arm.token).aud), /management/);
});

test("slow_down adds five seconds to the interval", async () => {
  let started: Awaited<ReturnType<DeviceCodeCredential["start"]>> | undefined;
  const app = credential({
    sleep: async (ms) => {
      t.waits.push(ms);
      // The first wait is cut short, as an impatient poller would: the emulator answers slow_down.
      emulator.admin.advanceClock(t.waits.length === 1 ? 1000 : ms);
      if (t.waits.length === 2)
        await answerDeviceCode(t.http, started!.verificationUri, started!.userCode, alice);
    },
  });
  started = await app.start();
  await app.complete();
  const interval = started.interval * 1000;
  assert.deepEqual(t.waits, [interval, interval + 5000]);
});

test("declined, expired and unknown codes stop with their own messages and clear the pending flow", async () => {
  const declined = credential();
  const first = await declined.start();
  await answerDeviceCode(t.http, first.verificationUri, first.userCode, alice, "cancel");
  await assert.rejects(declined.complete(), (error: Error & { hint?: string }) => {
    assert.equal(error.message, "The sign-in was declined at the verification page.");
    assert.match(error.hint ?? "", /!test-auth-start/);
    return true;
  });
  assert.equal(await declined.pending(), false);

  const expired = credential();
  await expired.start();
  emulator.admin.advanceClock(16 * 60_000);
  await assert.rejects(expired.complete(), /device code expired before the sign-in was completed/);

  const unknown = credential();
  await unknown.start();
  emulator.admin.addFault({
    path: "/{tenant}/oauth2/v2.0/token",
    status: 400,
    body: {
      error: "bad_verification_code",
      error_description: "AADSTS70018: Invalid verification code entered.",
      error_codes: [70018],
    },
  });
  await assert.rejects(unknown.complete(), /did not recognise the device code/);
  await assert.rejects(
    unknown.complete(),
    (error: Error & { code?: string }) => error.code === "authentication_required",
  );
});

test("nothing to complete, and no sign-in yet, say what to run", async () => {
  const app = credential();
  await assert.rejects(app.complete(), (error: Error & { hint?: string; code?: string }) => {
    assert.equal(error.code, "authentication_required");
    assert.match(error.hint ?? "", /!test-auth-start/);
    return true;
  });
  await assert.rejects(
    app.getToken(),
    (error: Error & { code?: string }) => error.code === "authentication_required",
  );
});

test("a server failure while polling keeps the pending flow for the next attempt", async () => {
  const noRetry = createAuthHttp({ caCertificates: [emulator.caCert!], retry: false });
  const app = credential({ http: noRetry });
  const started = await app.start();
  emulator.admin.addFault({
    path: "/{tenant}/oauth2/v2.0/token",
    status: 503,
    body: { error: "temporarily_unavailable" },
  });
  await assert.rejects(app.complete(), /Status: 503/);
  assert.equal(await app.pending(), true);
  await answerDeviceCode(t.http, started.verificationUri, started.userCode, alice);
  assert.ok((await app.complete()).token);
});
