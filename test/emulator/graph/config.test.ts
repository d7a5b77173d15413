import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { startEmulator } from "../../../src/emulator/server.ts";
import { DEV_TENANT } from "../../../src/emulator/well-known.ts";
import { EntrakitError } from "../../../src/errors.ts";
import { adminPost, FIXTURES_DIR, graph, token } from "./support.ts";

const BARE_TENANT = { id: "6a1d2c3b-4e5f-4a70-8b91-c2d3e4f5a6b7", domain: "bare.onmicrosoft.com" };

describe("Graph emulator config", () => {
  it("rejects unknown keys and bad values with a one-line configuration error", async () => {
    for (const graphConfig of [
      { riskyUser: 5 },
      { riskyUsers: -1 },
      { throttling: { [DEV_TENANT.id]: { mode: "x" } } },
    ]) {
      await assert.rejects(startEmulator({ config: { graph: graphConfig } }), (error: unknown) => {
        assert.ok(error instanceof EntrakitError);
        assert.equal(error.code, "configuration");
        assert.match(error.message, /^graph config: /);
        assert.doesNotMatch(error.toLine(), /\n/);
        return true;
      });
    }
    await assert.rejects(
      startEmulator({ config: { graph: { fixturesDir: "/nonexistent/graph-examples" } } }),
      /fixturesDir '\/nonexistent\/graph-examples' cannot be read/,
    );
    await assert.rejects(
      startEmulator({ config: { graph: { throttling: { "nowhere.example": { mode: "off" } } } } }),
      /unknown tenant 'nowhere.example'/,
    );
  });

  it("defaults: 50 risky users, the last-page quirk on; config throttling and unlicensed tenants apply", async () => {
    const emu = await startEmulator({
      config: {
        tenants: [{ ...BARE_TENANT, licences: { entraIdP1: false, entraIdP2: false } }],
        graph: { throttling: { [DEV_TENANT.domain]: { mode: "identityProtection" } } },
      },
    });
    try {
      const state = (await (await fetch(`${emu.url}/_emulator/graph/state`)).json()) as {
        lastPageQuirk: boolean;
        tenants: Array<{ id: string; throttling: { mode: string } }>;
      };
      assert.equal(state.lastPageQuirk, true);
      assert.equal(state.tenants.find((t) => t.id === DEV_TENANT.id)!.throttling.mode, "identityProtection");
      emu.core.clock.freeze();
      const bearer = await token(emu);
      const first = await graph(emu, "/v1.0/identityProtection/riskyUsers?$top=500", bearer);
      assert.equal((first.body.value as unknown[]).length, 50);
      assert.equal((await graph(emu, "/v1.0/identityProtection/riskyUsers", bearer)).status, 429);
      const bare = await graph(
        emu,
        "/v1.0/identityProtection/riskDetections",
        await token(emu, { tenantId: BARE_TENANT.id }),
      );
      assert.equal(bare.status, 403);
      assert.match((bare.body.error as Record<string, string>).message, /not licensed .* P1 or P2/);
    } finally {
      await emu.close();
    }
  });

  it("loads a doc example body through the admin API, as-is", async () => {
    const emu = await startEmulator({ config: { graph: { riskyUsers: 3, detections: 0 } } });
    try {
      const body = JSON.parse(
        readFileSync(`${FIXTURES_DIR}graph-doc-v1-riskdetection-list-response.json`, "utf8"),
      );
      const loaded = await adminPost(emu, `tenants/${DEV_TENANT.domain}/examples`, body);
      assert.equal(loaded.loaded, 1);
      const bearer = await token(emu);
      const list = await graph(emu, "/v1.0/identityProtection/riskDetections", bearer);
      assert.deepEqual(list.body.value, body.value);
      const bad = await fetch(`${emu.url}/_emulator/graph/tenants/nowhere/examples`, {
        method: "POST",
        body: "{}",
      });
      assert.equal(bad.status, 404);
    } finally {
      await emu.close();
    }
  });
});
