import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  RISK_DETAILS,
  RISK_EVENT_TYPES,
  RISK_LEVELS,
  RISK_STATES,
} from "../../../src/emulator/graph/entities.ts";
import { generate, generatedHistory } from "../../../src/emulator/graph/generator.ts";

const input = {
  seed: 7,
  tenantId: "7c1e3a52-4b8d-4f6e-9a2c-5d0b1e8f3a76",
  domain: "contoso.onmicrosoft.com",
  riskyUsers: 5000,
  detections: 15000,
  anchor: Date.parse("2026-06-01T00:00:00Z"),
  windowDays: 90,
};

describe("deterministic data generator", () => {
  const data = generate(input);

  it("gives the same data for the same seed and different data for another seed or tenant", () => {
    assert.deepEqual(generate(input), data);
    assert.notDeepEqual(generate({ ...input, seed: 8 }).riskyUsers[0], data.riskyUsers[0]);
    assert.notDeepEqual(
      generate({ ...input, tenantId: "3e9b6d14-7a2f-4c85-b1d0-8f4e2a6c9b53" }).riskyUsers[0],
      data.riskyUsers[0],
    );
  });

  it("makes unique ids and UPNs on the tenant domain, with real-looking names", () => {
    const users = data.riskyUsers;
    assert.equal(users.length, 5000);
    assert.equal(new Set(users.map((u) => u.id)).size, users.length);
    assert.equal(new Set(users.map((u) => u.userPrincipalName.toLowerCase())).size, users.length);
    for (const u of users) {
      assert.match(u.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      assert.match(u.userPrincipalName, /^[a-z]+\.[a-z]+\d*@contoso\.onmicrosoft\.com$/);
      assert.match(u.userDisplayName, /^[A-Z][a-z]+ [A-Z][a-z]+$/);
    }
  });

  it("draws consistent states, levels and details with plausible shares", () => {
    const count = (pred: (u: (typeof data.riskyUsers)[number]) => boolean) =>
      data.riskyUsers.filter(pred).length;
    for (const u of data.riskyUsers) {
      assert.ok((RISK_STATES as readonly string[]).includes(u.riskState));
      assert.ok((RISK_LEVELS as readonly string[]).includes(u.riskLevel));
      assert.ok((RISK_DETAILS as readonly string[]).includes(u.riskDetail));
      if (u.riskState === "atRisk") assert.notEqual(u.riskLevel, "none");
      if (u.riskState === "confirmedCompromised") {
        assert.equal(u.riskLevel, "high");
        assert.equal(u.riskDetail, "adminConfirmedUserCompromised");
      }
      if (u.riskState === "dismissed" || u.riskState === "remediated") assert.equal(u.riskLevel, "none");
    }
    const atRisk = count((u) => u.riskState === "atRisk") / 5000;
    assert.ok(atRisk > 0.45 && atRisk < 0.55, `atRisk share ${atRisk}`);
    assert.ok(count((u) => u.riskLevel === "high") > 0);
    assert.ok(count((u) => u.isDeleted) > 0);
  });

  it("puts timestamps inside the window, and detections on existing users before their last update", () => {
    const start = input.anchor - 90 * 86_400_000;
    const users = new Map(data.riskyUsers.map((u) => [u.id, u]));
    for (const u of data.riskyUsers) {
      const at = Date.parse(u.riskLastUpdatedDateTime);
      assert.ok(at >= start && at <= input.anchor);
      assert.match(u.riskLastUpdatedDateTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$/);
    }
    const types = new Set<string>();
    for (const d of data.detections) {
      const owner = users.get(d.userId);
      assert.ok(owner, "detection belongs to a risky user");
      assert.equal(d.userPrincipalName, owner.userPrincipalName);
      assert.ok(d.detectedDateTime <= owner.riskLastUpdatedDateTime);
      assert.ok(Date.parse(d.detectedDateTime) >= start);
      assert.equal(typeof d.additionalInfo, "string");
      assert.ok(Array.isArray(JSON.parse(d.additionalInfo as string)));
      types.add(d.riskEventType as string);
      if (d.activity === "signin") {
        assert.match(d.ipAddress as string, /^\d+\.\d+\.\d+\.\d+$/);
        const location = d.location as Record<string, unknown>;
        assert.equal(typeof location.city, "string");
        assert.equal(typeof (location.geoCoordinates as Record<string, unknown>).latitude, "number");
      }
    }
    for (const type of types) assert.ok((RISK_EVENT_TYPES as readonly string[]).includes(type));
    assert.ok(types.size >= 15, `only ${types.size} detection types`);
  });

  it("uses directory users first and derives a stable history", () => {
    const known = {
      id: "9b4f1e6a-3c8d-4a27-b5e0-6d2c8f1a4e93",
      userPrincipalName: "alice@x.com",
      displayName: "Alice",
    };
    const withDirectory = generate({ ...input, riskyUsers: 3, detections: 0, directoryUsers: [known] });
    assert.equal(withDirectory.riskyUsers[0]!.id, known.id);
    assert.equal(withDirectory.riskyUsers[0]!.userPrincipalName, "alice@x.com");
    const remediated = data.riskyUsers.find((u) => u.riskState === "remediated")!;
    const history = generatedHistory(remediated, 7, "admin-id");
    assert.deepEqual(generatedHistory(remediated, 7, "admin-id"), history);
    assert.equal(history.length, 2);
    assert.equal(history[0]!.riskState, "atRisk");
    assert.equal(history[1]!.riskState, "remediated");
    assert.equal(history[1]!.initiatedBy, remediated.id);
  });
});
