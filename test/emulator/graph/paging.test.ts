import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import type { RunningEmulator } from "../../../src/emulator/server.ts";
import { DEV_TENANT } from "../../../src/emulator/well-known.ts";
import { adminPost, FIXTURES_DIR, graph, startGraphEmulator, token, values, walk } from "./support.ts";

const RISKY_USERS = "/v1.0/identityProtection/riskyUsers";

describe("Graph paging over 100,000 risky users", () => {
  let emu: RunningEmulator;
  let bearer: string;
  /** Every id in the default (id) order, from the first full walk. */
  let idsInOrder: string[] = [];
  before(async () => {
    emu = await startGraphEmulator({
      seed: 3,
      riskyUsers: 100_000,
      detections: 0,
      anchor: "2026-06-01T00:00:00Z",
    });
    bearer = await token(emu);
  });
  after(() => emu.close());

  it("walks every nextLink to the end at $top=500 with no gaps or duplicates, in order", async () => {
    for (const order of ["", "&$orderby=riskLastUpdatedDateTime desc"]) {
      const { items, pages } = await walk(emu, `${RISKY_USERS}?$top=500${order}`, bearer);
      assert.equal(pages, 200);
      assert.equal(items.length, 100_000);
      assert.equal(new Set(items.map((item) => item.id)).size, 100_000);
      if (!order) idsInOrder = items.map((item) => item.id as string);
      if (order) {
        const stamps = items.map((item) => item.riskLastUpdatedDateTime as string);
        for (let i = 1; i < stamps.length; i++) assert.ok(stamps[i - 1]! >= stamps[i]!, `ordered at ${i}`);
      }
    }
  });

  it("keeps the filter, $select and $orderby in the nextLink and pages a filtered set completely", async () => {
    const filter = "riskState eq 'atRisk' and riskLevel eq 'high'";
    const first = await graph(
      emu,
      `${RISKY_USERS}?$top=333&$select=id,riskLevel&$orderby=riskLastUpdatedDateTime asc&$filter=${encodeURIComponent(filter)}`,
      bearer,
    );
    const link = new URL(first.body["@odata.nextLink"] as string);
    assert.equal(link.searchParams.get("$filter"), filter);
    assert.equal(link.searchParams.get("$select"), "id,riskLevel");
    assert.equal(link.searchParams.get("$orderby"), "riskLastUpdatedDateTime asc");
    assert.equal(link.searchParams.get("$top"), "333");
    assert.ok(link.searchParams.get("$skiptoken"));
    const { items } = await walk(emu, first.body["@odata.nextLink"] as string, bearer);
    const all = [...values(first), ...items];
    for (const item of all) assert.deepEqual(Object.keys(item), ["id", "riskLevel"]);
    assert.equal(new Set(all.map((item) => item.id)).size, all.length);
    // The same set, counted without paging through the filter: every atRisk+high user, once.
    const everyone = (await walk(emu, `${RISKY_USERS}?$top=500&$select=riskState,riskLevel`, bearer)).items;
    const expected = everyone.filter((u) => u.riskState === "atRisk" && u.riskLevel === "high").length;
    assert.equal(all.length, expected);
    assert.ok(expected > 5000);
  });

  it("lets a client lift $skiptoken out of a nextLink and send it with its own $top", async () => {
    const first = await graph(emu, `${RISKY_USERS}?$top=100`, bearer);
    const skiptoken = new URL(first.body["@odata.nextLink"] as string).searchParams.get("$skiptoken")!;
    const second = await graph(emu, `${RISKY_USERS}?$top=5&$skiptoken=${skiptoken}`, bearer);
    const straight = await graph(emu, `${RISKY_USERS}?$top=105`, bearer);
    assert.deepEqual(
      values(second).map((u) => u.id),
      values(straight)
        .slice(100)
        .map((u) => u.id),
    );
    const mismatch = await graph(
      emu,
      `${RISKY_USERS}?$top=5&$orderby=riskLastUpdatedDateTime desc&$skiptoken=${skiptoken}`,
      bearer,
    );
    assert.equal(mismatch.status, 400);
    assert.match((mismatch.body.error as Record<string, string>).message, /keep the same \$orderby/);
  });

  it("reproduces Graph's last-page quirk when it is on: 400 with an empty message", async () => {
    await adminPost(emu, "last-page-quirk", { enabled: true });
    try {
      // The last 1,000 users by id: after one page of 500, the nextLink leaves exactly one page.
      const tail = `$filter=${encodeURIComponent(`id ge '${idsInOrder[99_000]}'`)}`;
      const first = await graph(emu, `${RISKY_USERS}?$top=500&${tail}`, bearer);
      assert.equal(values(first).length, 500);
      const last = await graph(emu, first.body["@odata.nextLink"] as string, bearer);
      assert.equal(last.status, 400);
      const error = last.body.error as Record<string, unknown>;
      assert.equal(error.code, "BadRequest");
      assert.equal(error.message, "");
      const doc = JSON.parse(
        readFileSync(`${FIXTURES_DIR}graph-issue-16332-riskyusers-last-page-400.json`, "utf8"),
      );
      assert.deepEqual(Object.keys(error), Object.keys(doc.error));
      assert.deepEqual(Object.keys(error.innerError as object), Object.keys(doc.error.innerError));
      // A page size that does not divide the remainder reaches the end normally (499 + 499 + 2).
      const { items, pages } = await walk(emu, `${RISKY_USERS}?$top=499&${tail}`, bearer);
      assert.equal(items.length, 1000);
      assert.equal(pages, 3);
      assert.deepEqual(
        items.map((item) => item.id),
        idsInOrder.slice(99_000),
      );
    } finally {
      await adminPost(emu, "last-page-quirk", { enabled: false });
    }
  });

  it("regenerates a tenant's data through the admin API, deterministically", async () => {
    const small = { seed: 11, riskyUsers: 25, detections: 40, anchor: "2026-01-01T00:00:00Z" };
    const made = await adminPost(emu, `tenants/${DEV_TENANT.domain}/generate`, small);
    assert.deepEqual(made.data, {
      riskyUsers: 25,
      detections: 40,
      seed: 11,
      anchor: "2026-01-01T00:00:00.000Z",
    });
    const once = values(await graph(emu, `${RISKY_USERS}?$top=500`, bearer));
    await adminPost(emu, `tenants/${DEV_TENANT.id}/generate`, small);
    const twice = values(await graph(emu, `${RISKY_USERS}?$top=500`, bearer));
    assert.equal(once.length, 25);
    assert.deepEqual(twice, once);
    const state = (await (await fetch(`${emu.url}/_emulator/graph/state`)).json()) as Record<string, unknown>;
    assert.equal(state.lastPageQuirk, false);
  });
});
