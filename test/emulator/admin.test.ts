import assert from "node:assert/strict";
import { networkInterfaces } from "node:os";
import { after, before, beforeEach, describe, it } from "node:test";
import { type RunningEmulator, startEmulator } from "../../src/emulator/server.ts";
import { DEV_APP, DEV_TENANT } from "../../src/emulator/well-known.ts";
import { isEntrakitError } from "../../src/errors.ts";

const NEW_TENANT = "5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d";

async function admin(emu: RunningEmulator, method: string, path: string, body?: unknown) {
  const res = await fetch(`${emu.url}/_emulator/${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
}

const tokenForm = () =>
  new URLSearchParams({
    grant_type: "client_credentials",
    client_id: DEV_APP.clientId,
    client_secret: DEV_APP.secret,
    scope: "https://graph.microsoft.com/.default",
  });

describe("admin API", () => {
  let emu: RunningEmulator;
  before(async () => {
    emu = await startEmulator();
  });
  after(() => emu.close());
  beforeEach(async () => {
    await admin(emu, "DELETE", "faults");
    await admin(emu, "DELETE", "requests");
    emu.admin.resetClock();
  });

  const token = () =>
    fetch(`${emu.url}/${DEV_TENANT.id}/oauth2/v2.0/token`, { method: "POST", body: tokenForm() });

  it("fails the next N matching requests with the given status, body and headers, then serves normally", async () => {
    const added = await admin(emu, "POST", "faults", {
      method: "POST",
      path: "/{tenant}/oauth2/v2.0/token",
      count: 2,
      status: 503,
      body: { error: "temporarily_unavailable" },
      headers: { "x-test": "yes" },
    });
    assert.equal(added.status, 201);
    for (let i = 0; i < 2; i++) {
      const res = await token();
      assert.equal(res.status, 503);
      assert.equal(res.headers.get("x-test"), "yes");
      assert.deepEqual(await res.json(), { error: "temporarily_unavailable" });
    }
    assert.equal((await token()).status, 200);
    assert.deepEqual((await admin(emu, "GET", "faults")).body.faults, []);
  });

  it("injects 429 with and without Retry-After", async () => {
    emu.admin.addFault({ path: "/**/token", status: 429, retryAfterSeconds: 7 });
    emu.admin.addFault({ path: "/**/token", status: 429 });
    const first = await token();
    assert.equal(first.status, 429);
    assert.equal(first.headers.get("retry-after"), "7");
    assert.equal(((await first.json()) as { error: string }).error, "temporarily_unavailable");
    const second = await token();
    assert.equal(second.status, 429);
    assert.equal(second.headers.get("retry-after"), null);
  });

  it("adds latency without failing, and does not match other paths or methods", async () => {
    emu.admin.addFault({
      method: "GET",
      path: "/*/v2.0/.well-known/openid-configuration",
      latencyMs: 150,
      persistent: true,
    });
    assert.equal((await token()).status, 200);
    const res = await fetch(`${emu.url}/${DEV_TENANT.id}/v2.0/.well-known/openid-configuration`);
    assert.equal(res.status, 200);
    // The latency rule matched this request (and only it) and the request was then served normally.
    assert.equal(emu.admin.faults()[0]!.hits, 1);
    const [, served] = emu.admin.requests();
    assert.equal(served!.handledBy, "identity");
    assert.equal(served!.faultRuleId, emu.admin.faults()[0]!.id);
  });

  it("rejects invalid faults with a clear message", async () => {
    const res = await admin(emu, "POST", "faults", { status: 42 });
    assert.equal(res.status, 400);
    assert.match(String(res.body.error_description), /status/);
    assert.throws(() => emu.admin.addFault({ path: "/x" }), /needs a status, a latencyMs, or both/);
  });

  it("logs requests with grant type and client id but never the secret", async () => {
    await token();
    await fetch(`${emu.url}/${DEV_TENANT.id}/oauth2/v2.0/token`, {
      method: "POST",
      body: new URLSearchParams({
        grant_type: "refresh_token",
        client_id: DEV_APP.clientId,
        refresh_token: "1.Asecret-refresh",
      }),
    });
    const { body } = await admin(emu, "GET", `requests?path=${encodeURIComponent("/oauth2/v2.0/token$")}`);
    const entries = body.requests as Record<string, unknown>[];
    assert.equal(entries.length, 2);
    assert.equal(entries[0]!.grantType, "client_credentials");
    assert.equal(entries[0]!.clientId, DEV_APP.clientId);
    assert.equal(entries[0]!.status, 200);
    assert.equal(entries[0]!.handledBy, "identity");
    assert.equal(entries[1]!.status, 400);
    const serialized = JSON.stringify(body);
    assert.ok(!serialized.includes(DEV_APP.secret));
    assert.ok(!serialized.includes("secret-refresh"));
    // Admin calls are not logged.
    assert.equal(emu.admin.requests({ path: /_emulator/ }).length, 0);
  });

  it("logs faulted requests with the rule that answered", async () => {
    const rule = emu.admin.addFault({ path: "/**/token", status: 500 });
    await token();
    const [entry] = emu.admin.requests();
    assert.equal(entry!.status, 500);
    assert.equal(entry!.handledBy, "fault");
    assert.equal(entry!.faultRuleId, rule.id);
  });

  it("gets, sets, freezes and advances the clock", async () => {
    const set = await admin(emu, "POST", "clock", { now: "2030-01-01T00:00:00Z", frozen: true });
    assert.equal(set.body.now, Date.parse("2030-01-01T00:00:00Z"));
    assert.equal(set.body.frozen, true);
    const advanced = await admin(emu, "POST", "clock", { advanceSeconds: 90 });
    assert.equal(advanced.body.now, Date.parse("2030-01-01T00:01:30Z"));
    assert.equal((await admin(emu, "GET", "clock")).body.now, Date.parse("2030-01-01T00:01:30Z"));
    const res = await token();
    const claims = JSON.parse(
      Buffer.from(
        String(((await res.json()) as { access_token: string }).access_token).split(".")[1]!,
        "base64url",
      ).toString(),
    );
    assert.equal(claims.iat, Date.parse("2030-01-01T00:01:30Z") / 1000);
    const reset = await admin(emu, "POST", "clock", { reset: true });
    assert.equal(reset.body.frozen, false);
    assert.equal((await admin(emu, "POST", "clock", { now: "yesterday" })).status, 400);
  });

  it("seeds directory objects over HTTP and reports bad documents in one line", async () => {
    const seeded = await admin(emu, "POST", "directory", {
      tenants: [
        { id: NEW_TENANT, domain: "newco.onmicrosoft.com", licences: { entraIdP1: true, entraIdP2: false } },
      ],
      users: [
        { tenant: "newco.onmicrosoft.com", userPrincipalName: "bob@newco.onmicrosoft.com", password: "pw" },
      ],
    });
    assert.equal(seeded.status, 200);
    const snapshot = seeded.body as {
      tenants: { id: string }[];
      users: Record<string, unknown>[];
      apps: { secrets: Record<string, unknown>[] }[];
    };
    assert.ok(snapshot.tenants.some((t) => t.id === NEW_TENANT));
    const bob = snapshot.users.find((u) => u.userPrincipalName === "bob@newco.onmicrosoft.com")!;
    assert.equal(bob.password, undefined);
    assert.ok(snapshot.apps.every((a) => a.secrets.every((s) => s.value === undefined)));
    const config = await fetch(`${emu.url}/newco.onmicrosoft.com/v2.0/.well-known/openid-configuration`);
    assert.equal(config.status, 200);
    const bad = await admin(emu, "POST", "directory", {
      users: [{ tenant: "nowhere.example.com", userPrincipalName: "x@y.z", password: "p" }],
    });
    assert.equal(bad.status, 400);
    assert.match(String(bad.body.error_description), /unknown tenant "nowhere\.example\.com"/);
    const invalid = await admin(emu, "POST", "directory", {
      tenants: [{ id: "not-a-guid", domain: "x.com" }],
    });
    assert.match(String(invalid.body.error_description), /tenants\.0\.id: must be a GUID/);
  });

  it("replaces the directory: back to the start-up state plus the document", async () => {
    await admin(emu, "POST", "directory", { tenants: [{ id: NEW_TENANT, domain: "gone.onmicrosoft.com" }] });
    const replaced = await admin(emu, "PUT", "directory", {});
    assert.equal(replaced.status, 200);
    assert.ok(!(replaced.body.tenants as { id: string }[]).some((t) => t.id === NEW_TENANT));
    assert.equal((await token()).status, 200);
    const empty = await admin(emu, "PUT", "directory", { seedDefaults: false });
    assert.deepEqual(empty.body.tenants, []);
    await admin(emu, "PUT", "directory", {});
  });

  it("answers unknown admin routes with 404", async () => {
    assert.equal((await admin(emu, "GET", "nope")).status, 404);
    assert.equal((await admin(emu, "GET", "health")).body.status, "ok");
  });
});

describe("loopback rules", () => {
  it("refuses to bind a non-loopback host without allowNonLoopback", async () => {
    await assert.rejects(startEmulator({ host: "0.0.0.0" }), (error: unknown) => {
      assert.ok(isEntrakitError(error));
      assert.equal(error.code, "usage");
      assert.match(error.toLine(), /--allow-non-loopback/);
      return true;
    });
  });

  it("serves the admin API to loopback clients only", async (t) => {
    const external = Object.values(networkInterfaces())
      .flat()
      .find((i) => i && i.family === "IPv4" && !i.internal);
    if (!external) {
      t.skip("this machine has no non-loopback IPv4 interface to connect from");
      return;
    }
    const emu = await startEmulator({ host: "0.0.0.0", allowNonLoopback: true });
    try {
      const port = new URL(emu.url).port;
      const remote = await fetch(`http://${external.address}:${port}/_emulator/requests`);
      assert.equal(remote.status, 403);
      const served = await fetch(
        `http://${external.address}:${port}/${DEV_TENANT.id}/v2.0/.well-known/openid-configuration`,
      );
      assert.equal(served.status, 200);
      assert.equal((await fetch(`http://127.0.0.1:${port}/_emulator/requests`)).status, 200);
    } finally {
      await emu.close();
    }
  });
});
