import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import type { RunningEmulator } from "../../../src/emulator/server.ts";
import { DEV_ADMIN, DEV_TENANT, DEV_USER } from "../../../src/emulator/well-known.ts";
import { APP_OBJECT_ID, FIXTURES_DIR, graph, startGraphEmulator, token, values, walk } from "./support.ts";

const generatedOnly = (items: Record<string, unknown>[]) => items.filter((item) => !("@odata.type" in item));

const RISKY_USERS = "/v1.0/identityProtection/riskyUsers";
const DETECTIONS = "/v1.0/identityProtection/riskDetections";

function fixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(`${FIXTURES_DIR}${name}.json`, "utf8")) as Record<string, unknown>;
}

describe("Graph Identity Protection over HTTP", () => {
  let emu: RunningEmulator;
  let bearer: string;
  before(async () => {
    emu = await startGraphEmulator({
      seed: 42,
      riskyUsers: 300,
      detections: 900,
      anchor: "2026-06-01T00:00:00Z",
      fixturesDir: FIXTURES_DIR,
    });
    bearer = await token(emu);
  });
  after(() => emu.close());

  it("lists risky users with @odata.context, the default page size and full property sets", async () => {
    const result = await graph(emu, RISKY_USERS, bearer);
    assert.equal(result.status, 200);
    assert.equal(result.body["@odata.context"], `${emu.url}/v1.0/$metadata#identityProtection/riskyUsers`);
    assert.match(result.headers.get("content-type")!, /^application\/json;odata\.metadata=minimal/);
    const items = values(result);
    assert.equal(items.length, 20);
    const generated = items.find((item) => !("@odata.type" in item))!;
    assert.deepEqual(Object.keys(generated), [
      "id",
      "isDeleted",
      "isProcessing",
      "riskLastUpdatedDateTime",
      "riskLevel",
      "riskState",
      "riskDetail",
      "userDisplayName",
      "userPrincipalName",
    ]);
    assert.match(
      result.body["@odata.nextLink"] as string,
      /^http:\/\/127\.0\.0\.1:\d+\/v1\.0\/identityProtection\/riskyUsers\?\$skiptoken=/,
    );
  });

  it("serves Microsoft's doc examples as-is", async () => {
    const listed = fixture("graph-doc-v1-riskyuser-list-response").value as Record<string, unknown>[];
    const user = await graph(emu, `${RISKY_USERS}/${listed[0]!.id}`, bearer);
    assert.equal(user.status, 200);
    assert.equal(
      user.body["@odata.context"],
      `${emu.url}/v1.0/$metadata#identityProtection/riskyUsers/$entity`,
    );
    const { "@odata.context": _context, ...rest } = user.body;
    assert.deepEqual(rest, listed[0]);

    const detection = (
      fixture("graph-doc-v1-riskdetection-get-response").value as Record<string, unknown>[]
    )[0]!;
    const served = await graph(emu, `${DETECTIONS}/${detection.id}`, bearer);
    assert.equal(served.status, 200);
    const { "@odata.context": _c2, ...detectionBody } = served.body;
    assert.deepEqual(detectionBody, detection);
    assert.equal(typeof detectionBody.additionalInfo, "string");

    const item = fixture("graph-doc-v1-riskyuserhistoryitem-get-response").value as Record<string, unknown>;
    const history = await graph(emu, `${RISKY_USERS}/${listed[0]!.id}/history/${item.id}`, bearer);
    assert.equal(history.status, 200);
    assert.equal(
      history.body["@odata.context"],
      `${emu.url}/v1.0/$metadata#identityProtection/riskyUsers('${listed[0]!.id}')/history/$entity`,
    );
    const { "@odata.context": _c3, ...itemBody } = history.body;
    assert.deepEqual(itemBody, item);
  });

  it("gets one risky user, its history and one history item, also under /beta and with ('{id}') keys", async () => {
    const page = values(await graph(emu, `${RISKY_USERS}?$filter=riskState eq 'remediated'&$top=1`, bearer));
    const id = page[0]!.id as string;
    const one = await graph(emu, `${RISKY_USERS}/${id}`, bearer);
    assert.equal(one.status, 200);
    assert.equal(one.body.id, id);
    assert.equal(one.body.riskState, "remediated");
    const history = await graph(emu, `${RISKY_USERS}/${id}/history`, bearer);
    assert.equal(history.status, 200);
    const items = values(history);
    assert.equal(items.length, 2);
    assert.deepEqual(
      items.map((item) => item.riskState),
      ["atRisk", "remediated"],
    );
    for (const item of items) assert.equal(item.userId, id);
    const item = await graph(
      emu,
      `/beta/identityProtection/riskyUsers('${id}')/history('${items[1]!.id}')`,
      bearer,
    );
    assert.equal(item.status, 200);
    assert.equal(item.body.id, items[1]!.id);
    assert.equal(
      item.body["@odata.context"],
      `${emu.url}/beta/$metadata#identityProtection/riskyUsers('${id}')/history/$entity`,
    );
    assert.deepEqual(item.body.activity, { riskEventTypes: [], detail: one.body.riskDetail });
  });

  it("applies $select to lists and single items", async () => {
    const list = await graph(emu, `${RISKY_USERS}?$select=riskLevel,id&$top=3`, bearer);
    assert.equal(
      list.body["@odata.context"],
      `${emu.url}/v1.0/$metadata#identityProtection/riskyUsers(riskLevel,id)`,
    );
    for (const item of values(list)) assert.deepEqual(Object.keys(item), ["riskLevel", "id"]);
    const id = values(list)[0]!.id as string;
    const one = await graph(emu, `${RISKY_USERS}/${id}?$select=userPrincipalName`, bearer);
    assert.deepEqual(Object.keys(one.body), ["@odata.context", "userPrincipalName"]);
    const bad = await graph(emu, `${RISKY_USERS}?$select=nope`, bearer);
    assert.equal(bad.status, 400);
    assert.equal(
      (bad.body.error as Record<string, string>).message,
      "Could not find a property named 'nope' on type 'microsoft.graph.riskyUser'.",
    );
  });

  it("filters with every operator and orders by the allowed fields only", async () => {
    const users = generatedOnly((await walk(emu, `${RISKY_USERS}?$top=500`, bearer)).items);
    const pivot = users[10]!.riskLastUpdatedDateTime as string;
    const cases: Array<[string, (u: Record<string, unknown>) => boolean]> = [
      ["riskLevel eq microsoft.graph.riskLevel'high'", (u) => u.riskLevel === "high"],
      ["riskState ne 'atRisk'", (u) => u.riskState !== "atRisk"],
      [`riskLastUpdatedDateTime lt ${pivot}`, (u) => (u.riskLastUpdatedDateTime as string) < pivot],
      [`riskLastUpdatedDateTime le ${pivot}`, (u) => (u.riskLastUpdatedDateTime as string) <= pivot],
      [`riskLastUpdatedDateTime gt ${pivot}`, (u) => (u.riskLastUpdatedDateTime as string) > pivot],
      [`riskLastUpdatedDateTime ge ${pivot}`, (u) => (u.riskLastUpdatedDateTime as string) >= pivot],
      [
        "(riskLevel eq 'low' or riskLevel eq 'medium') and riskDetail eq 'none'",
        (u) => (u.riskLevel === "low" || u.riskLevel === "medium") && u.riskDetail === "none",
      ],
      [`userPrincipalName eq '${users[3]!.userPrincipalName}'`, (u) => u.id === users[3]!.id],
      [
        `userDisplayName eq '${users[4]!.userDisplayName}'`,
        (u) => u.userDisplayName === users[4]!.userDisplayName,
      ],
    ];
    for (const [filter, expected] of cases) {
      const result = await graph(
        emu,
        `${RISKY_USERS}?$top=500&$filter=${encodeURIComponent(filter)}`,
        bearer,
      );
      assert.equal(result.status, 200, `${filter}: ${result.text}`);
      const got = generatedOnly(values(result))
        .map((u) => u.id)
        .sort();
      const want = users
        .filter(expected)
        .map((u) => u.id)
        .sort();
      assert.ok(want.length > 0, `${filter} matches something`);
      assert.deepEqual(got, want, filter);
    }
    for (const direction of ["asc", "desc"]) {
      const sorted = values(
        await graph(emu, `${RISKY_USERS}?$top=500&$orderby=riskLastUpdatedDateTime ${direction}`, bearer),
      )
        .filter((item) => !("@odata.type" in item))
        .map((u) => u.riskLastUpdatedDateTime as string);
      const expected = [...sorted].sort();
      assert.deepEqual(sorted, direction === "asc" ? expected : expected.reverse());
    }
    const detections = values(
      await graph(emu, `${DETECTIONS}?$top=50&$orderby=detectedDateTime desc`, bearer),
    ).map((d) => d.detectedDateTime as string);
    assert.deepEqual(detections, [...detections].sort().reverse());
    const wrong = await graph(emu, `${RISKY_USERS}?$orderby=userDisplayName`, bearer);
    assert.equal(wrong.status, 400);
    assert.match(
      (wrong.body.error as Record<string, string>).message,
      /Sorting by 'userDisplayName' is not supported/,
    );
    const wrongDetections = await graph(emu, `${DETECTIONS}?$orderby=riskLastUpdatedDateTime desc`, bearer);
    assert.equal(wrongDetections.status, 400);
  });

  it("filters detections on type, user, IP, source and dates", async () => {
    const all = generatedOnly((await walk(emu, `${DETECTIONS}?$top=500`, bearer)).items);
    const sample = all.find((d) => d.activity === "signin")!;
    const checks: Array<[string, (d: Record<string, unknown>) => boolean]> = [
      [`riskEventType eq '${sample.riskEventType}'`, (d) => d.riskEventType === sample.riskEventType],
      [`userId eq '${sample.userId}'`, (d) => d.userId === sample.userId],
      [`ipAddress eq '${sample.ipAddress}'`, (d) => d.ipAddress === sample.ipAddress],
      [`source eq '${sample.source}'`, (d) => d.source === sample.source],
      [
        `detectedDateTime ge ${sample.detectedDateTime} and riskState eq 'atRisk'`,
        (d) =>
          (d.detectedDateTime as string) >= (sample.detectedDateTime as string) && d.riskState === "atRisk",
      ],
    ];
    for (const [filter, expected] of checks) {
      const got = generatedOnly(
        (await walk(emu, `${DETECTIONS}?$top=500&$filter=${encodeURIComponent(filter)}`, bearer)).items,
      ).map((d) => d.id);
      assert.deepEqual(
        got.sort(),
        all
          .filter(expected)
          .map((d) => d.id)
          .sort(),
        filter,
      );
    }
    assert.equal(typeof sample.additionalInfo, "string");
    assert.deepEqual(Object.keys(sample.location as object), [
      "city",
      "state",
      "countryOrRegion",
      "geoCoordinates",
    ]);
    const defaultPage = await graph(emu, DETECTIONS, bearer);
    assert.equal(values(defaultPage).length, 20);
  });

  it("answers an invalid filter with Graph's error shape and a useful message", async () => {
    const result = await graph(emu, `${RISKY_USERS}?$filter=${encodeURIComponent("riskLevel eq")}`, bearer, {
      headers: { "client-request-id": "my-correlation-id" },
    });
    assert.equal(result.status, 400);
    const error = result.body.error as Record<string, unknown>;
    assert.equal(error.code, "BadRequest");
    assert.equal(
      error.message,
      "Invalid filter clause: a literal value expected at position 12 in 'riskLevel eq'.",
    );
    const inner = error.innerError as Record<string, string>;
    assert.match(inner.date!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
    assert.equal(inner["request-id"], result.headers.get("request-id"));
    assert.equal(inner["client-request-id"], "my-correlation-id");
    assert.equal(result.headers.get("client-request-id"), "my-correlation-id");
  });

  it("answers unknown ids with 404 in Graph's error shape", async () => {
    for (const path of [
      `${RISKY_USERS}/00000000-0000-4000-8000-000000000000`,
      `${RISKY_USERS}/00000000-0000-4000-8000-000000000000/history`,
      `${DETECTIONS}/nope`,
    ]) {
      const result = await graph(emu, path, bearer);
      assert.equal(result.status, 404, path);
      const error = result.body.error as Record<string, unknown>;
      assert.equal(error.code, "ResourceNotFound");
      assert.ok((error.innerError as Record<string, string>)["request-id"]);
    }
    const id = values(await graph(emu, `${RISKY_USERS}?$top=1`, bearer))[0]!.id;
    const missingItem = await graph(emu, `${RISKY_USERS}/${id}/history/nope`, bearer);
    assert.equal(missingItem.status, 404);
    const segment = await graph(emu, "/v1.0/identityProtection/riskyPeople", bearer);
    assert.equal(segment.status, 400);
    assert.equal(
      (segment.body.error as Record<string, string>).message,
      "Resource not found for the segment 'identityProtection'.",
    );
    const method = await graph(emu, RISKY_USERS, bearer, { method: "DELETE" });
    assert.equal(method.status, 405);
  });

  it("dismisses, confirms compromised and confirms safe with state changes and history initiated by the caller", async (t) => {
    const atRisk = values(await graph(emu, `${RISKY_USERS}?$filter=riskState eq 'atRisk'&$top=6`, bearer));
    const ids = atRisk.map((u) => u.id as string);
    // A fixed instant, frozen, so the new riskLastUpdatedDateTime is exact; tokens are minted at it.
    emu.core.clock.set(Date.parse("2036-06-02T10:00:00Z"), { frozen: true });
    t.after(async () => {
      emu.core.clock.reset();
      bearer = await token(emu);
    });
    bearer = await token(emu);
    const actions: Array<[string, string[], Record<string, string>]> = [
      [
        "dismiss",
        ids.slice(0, 2),
        { riskLevel: "none", riskState: "dismissed", riskDetail: "adminDismissedAllRiskForUser" },
      ],
      [
        "confirmCompromised",
        ids.slice(2, 4),
        { riskLevel: "high", riskState: "confirmedCompromised", riskDetail: "adminConfirmedUserCompromised" },
      ],
      [
        "confirmSafe",
        ids.slice(4, 6),
        { riskLevel: "none", riskState: "confirmedSafe", riskDetail: "adminConfirmedSigninSafe" },
      ],
    ];
    for (const [action, targets, effect] of actions) {
      const result = await graph(emu, `${RISKY_USERS}/${action}`, bearer, { body: { userIds: targets } });
      assert.equal(result.status, 204, `${action}: ${result.text}`);
      assert.equal(result.text, "");
      assert.ok(result.headers.get("request-id"));
      for (const id of targets) {
        const user = (await graph(emu, `${RISKY_USERS}/${id}`, bearer)).body;
        for (const [key, value] of Object.entries(effect)) assert.equal(user[key], value, `${action} ${key}`);
        assert.equal(user.riskLastUpdatedDateTime, "2036-06-02T10:00:00.0000000Z");
        const history = values(await graph(emu, `${RISKY_USERS}/${id}/history`, bearer));
        const last = history[history.length - 1]!;
        assert.equal(last.initiatedBy, APP_OBJECT_ID);
        assert.equal(last.userId, id);
        assert.equal(last.riskState, effect.riskState);
        assert.deepEqual(last.activity, { riskEventTypes: [], detail: effect.riskDetail });
      }
    }
    const dismissed = values(
      await graph(
        emu,
        `${RISKY_USERS}?$filter=riskState eq 'dismissed' and riskLastUpdatedDateTime ge 2036-06-02T10:00:00Z`,
        bearer,
      ),
    );
    assert.deepEqual(dismissed.map((u) => u.id).sort(), ids.slice(0, 2).sort());

    // A delegated admin's action, a second later, is initiated by that user.
    emu.core.clock.advance(1000);
    const admin = emu.core.directory.user(DEV_TENANT.id, DEV_ADMIN.id)!;
    const delegated = await token(emu, { user: admin, scopes: ["IdentityRiskyUser.ReadWrite.All"] });
    assert.equal(
      (await graph(emu, `${RISKY_USERS}/dismiss`, delegated, { body: { userIds: [ids[2]] } })).status,
      204,
    );
    const history = values(await graph(emu, `${RISKY_USERS}/${ids[2]}/history`, bearer));
    assert.equal(history[history.length - 1]!.initiatedBy, DEV_ADMIN.id);
  });

  it("refuses unknown ids (changing nothing), too many ids and malformed bodies", async () => {
    const target = values(
      await graph(emu, `${RISKY_USERS}?$filter=riskState eq 'atRisk'&$top=1`, bearer),
    )[0]!;
    const docBody = fixture("graph-doc-v1-riskyuser-dismiss-request");
    const unknown = await graph(emu, `${RISKY_USERS}/dismiss`, bearer, {
      body: { userIds: [target.id, ...(docBody.userIds as string[])] },
    });
    assert.equal(unknown.status, 404);
    assert.match(
      (unknown.body.error as Record<string, string>).message,
      /04487ee0-f4f6-4e7f-8999-facc5a30e232/,
    );
    assert.equal((await graph(emu, `${RISKY_USERS}/${target.id}`, bearer)).body.riskState, "atRisk");

    const many = Array.from({ length: 61 }, () => target.id);
    const tooMany = await graph(emu, `${RISKY_USERS}/confirmCompromised`, bearer, {
      body: { userIds: many },
    });
    assert.equal(tooMany.status, 400);
    assert.match((tooMany.body.error as Record<string, string>).message, /at most 60/);
    for (const body of ["not json", { userIds: [] }, { ids: [target.id] }, { userIds: [1] }]) {
      const result = await graph(emu, `${RISKY_USERS}/confirmSafe`, bearer, { body });
      assert.equal(result.status, 400, JSON.stringify(body));
    }
  });

  it("serves users, a user, /me for delegated callers and the organization from the directory", async () => {
    const users = await graph(emu, "/v1.0/users", bearer);
    assert.equal(users.status, 200);
    assert.equal(users.body["@odata.context"], `${emu.url}/v1.0/$metadata#users`);
    assert.ok(values(users).some((u) => u.userPrincipalName === DEV_USER.userPrincipalName));
    const byUpn = await graph(emu, `/v1.0/users/${DEV_USER.userPrincipalName}`, bearer);
    assert.equal(byUpn.body.id, DEV_USER.id);
    assert.equal(byUpn.body["@odata.context"], `${emu.url}/v1.0/$metadata#users/$entity`);
    const missing = await graph(emu, "/v1.0/users/nobody@contoso.onmicrosoft.com", bearer);
    assert.equal(missing.status, 404);
    assert.equal((missing.body.error as Record<string, string>).code, "Request_ResourceNotFound");

    const alice = emu.core.directory.user(DEV_TENANT.id, DEV_USER.id)!;
    const me = await graph(emu, "/v1.0/me", await token(emu, { user: alice, scopes: ["User.Read"] }));
    assert.equal(me.status, 200);
    assert.equal(me.body.userPrincipalName, DEV_USER.userPrincipalName);
    const appMe = await graph(emu, "/v1.0/me", bearer);
    assert.equal(appMe.status, 400);
    assert.equal(
      (appMe.body.error as Record<string, string>).message,
      "/me request is only valid with delegated authentication flow.",
    );

    const org = await graph(emu, "/v1.0/organization", bearer);
    assert.equal(org.status, 200);
    const tenant = values(org)[0]!;
    assert.equal(tenant.id, DEV_TENANT.id);
    assert.equal((tenant.verifiedDomains as Record<string, unknown>[])[0]!.name, DEV_TENANT.domain);
  });
});
