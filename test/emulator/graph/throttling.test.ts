import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { RunningEmulator } from "../../../src/emulator/server.ts";
import { DEV_TENANT, DEV_TENANT_P1 } from "../../../src/emulator/well-known.ts";
import { adminPost, graph, startGraphEmulator, token } from "./support.ts";

const RISKY_USERS = "/v1.0/identityProtection/riskyUsers?$top=1";
const DETECTIONS = "/v1.0/identityProtection/riskDetections?$top=1";

describe("Graph throttling modes, driven by the emulator clock", () => {
  let emu: RunningEmulator;
  let bearer: string;
  let p1Bearer: string;
  before(async () => {
    emu = await startGraphEmulator({ riskyUsers: 10, detections: 10 });
    // A frozen clock: only `advance` moves time, so the limits are tested exactly.
    emu.core.clock.freeze();
    bearer = await token(emu);
    p1Bearer = await token(emu, { tenantId: DEV_TENANT_P1.id });
  });
  after(() => emu.close());

  it("Identity Protection: one request per second per tenant, 429 without Retry-After", async () => {
    await adminPost(emu, `tenants/${DEV_TENANT.id}/throttling`, { mode: "identityProtection" });
    assert.equal((await graph(emu, RISKY_USERS, bearer)).status, 200);
    const throttled = await graph(emu, DETECTIONS, bearer);
    assert.equal(throttled.status, 429);
    assert.equal(throttled.headers.get("retry-after"), null);
    const body = throttled.body.error as Record<string, unknown>;
    assert.equal(body.code, "TooManyRequests");
    assert.ok((body.innerError as Record<string, string>)["request-id"]);
    // Another tenant has its own budget; directory routes are not Identity Protection's.
    assert.equal((await graph(emu, DETECTIONS, p1Bearer)).status, 200);
    assert.equal((await graph(emu, "/v1.0/users", bearer)).status, 200);
    emu.core.clock.advance(999);
    assert.equal((await graph(emu, RISKY_USERS, bearer)).status, 429);
    emu.core.clock.advance(1);
    assert.equal((await graph(emu, RISKY_USERS, bearer)).status, 200);
    assert.equal((await graph(emu, RISKY_USERS, bearer)).status, 429);
    await adminPost(emu, `tenants/${DEV_TENANT.id}/throttling`, { mode: "off" });
    assert.equal((await graph(emu, RISKY_USERS, bearer)).status, 200);
    assert.equal((await graph(emu, RISKY_USERS, bearer)).status, 200);
  });

  it("generic: 429 or 503 with Retry-After, and a repeat before the time is up fails again", async () => {
    for (const status of [429, 503] as const) {
      await adminPost(emu, `tenants/${DEV_TENANT.domain}/throttling`, {
        mode: "generic",
        status,
        retryAfterSeconds: 5,
        limit: 2,
        windowSeconds: 10,
      });
      assert.equal((await graph(emu, RISKY_USERS, bearer)).status, 200);
      assert.equal((await graph(emu, "/v1.0/users", bearer)).status, 200);
      const first = await graph(emu, RISKY_USERS, bearer);
      assert.equal(first.status, status);
      assert.equal(first.headers.get("retry-after"), "5");
      assert.equal(
        (first.body.error as Record<string, string>).code,
        status === 429 ? "TooManyRequests" : "serviceNotAvailable",
      );
      emu.core.clock.advance(2_000);
      const again = await graph(emu, DETECTIONS, bearer);
      assert.equal(again.status, status);
      assert.equal(again.headers.get("retry-after"), "3");
      emu.core.clock.advance(2_500);
      assert.equal((await graph(emu, RISKY_USERS, bearer)).headers.get("retry-after"), "1");
      emu.core.clock.advance(500);
      assert.equal((await graph(emu, RISKY_USERS, bearer)).status, 200, "a new window after Retry-After");
      assert.equal((await graph(emu, RISKY_USERS, bearer)).status, 200);
      assert.equal((await graph(emu, RISKY_USERS, bearer)).status, status);
      emu.core.clock.advance(5_000);
    }
    await adminPost(emu, `tenants/${DEV_TENANT.id}/throttling`, { mode: "off" });
  });

  it("refuses a bad throttling mode with a message that shows the accepted shapes", async () => {
    const response = await fetch(`${emu.url}/_emulator/graph/tenants/${DEV_TENANT.id}/throttling`, {
      method: "POST",
      body: JSON.stringify({ mode: "sometimes" }),
    });
    assert.equal(response.status, 400);
    assert.match(((await response.json()) as { error: string }).error, /"mode": "identityProtection"/);
  });
});
