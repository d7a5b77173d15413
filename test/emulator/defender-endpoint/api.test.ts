/**
 * The emulator's Defender for Endpoint API over HTTP: every host of the endpoint-type table, OData
 * filters and paging, audience and role checks, and Defender's error shape.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { DEFENDER_ENDPOINT_TYPES } from "../../../src/clouds/defender.ts";
import type { RunningEmulator } from "../../../src/emulator/server.ts";
import { DEV_TENANT, DEV_TENANT_P1 } from "../../../src/emulator/well-known.ts";
import {
  ALERTS,
  appToken,
  MACHINES,
  PAGE_SIZE,
  startDefenderEmulator,
} from "../../integrations/defender-endpoint/emulator-support.ts";

let emu: RunningEmulator;
let token: string;

before(async () => {
  emu = await startDefenderEmulator();
  token = await appToken(emu, DEV_TENANT.id);
});
after(async () => {
  await emu?.close();
});

type Json = Record<string, unknown>;

async function call(path: string, bearer = token): Promise<{ status: number; body: Json }> {
  const response = await fetch(`${emu.url}/${path}`, {
    headers: bearer ? { authorization: `Bearer ${bearer}` } : {},
  });
  return { status: response.status, body: (await response.json()) as Json };
}

const api = (path: string) => `api.securitycenter.microsoft.com/api/${path}`;

test("every API host of the endpoint-type table serves the same tenant's alerts", async () => {
  const hosts = new Set(DEFENDER_ENDPOINT_TYPES.map((type) => new URL(type.api).host));
  assert.ok(hosts.size >= 5);
  const first = await call(api("alerts?$top=3"));
  for (const host of [...hosts, "api-us.securitycenter.microsoft.com"]) {
    const { status, body } = await call(`${host}/api/alerts?$top=3`);
    assert.equal(status, 200, host);
    assert.deepEqual(
      (body.value as Json[]).map((alert) => alert.id),
      (first.body.value as Json[]).map((alert) => alert.id),
    );
    assert.match(
      String(body["@odata.context"]),
      new RegExp(`/${host.replace(/\./g, "\\.")}/api/\\$metadata#Alerts$`),
    );
  }
});

test("a list is cut at the page size with a nextLink that walks every item exactly once", async () => {
  const ids: string[] = [];
  let link: string | undefined = `${emu.url}/${api("machines")}`;
  let pages = 0;
  while (link) {
    const response = await fetch(link, { headers: { authorization: `Bearer ${token}` } });
    const body = (await response.json()) as Json;
    pages += 1;
    ids.push(...(body.value as Json[]).map((machine) => String(machine.id)));
    link = body["@odata.nextLink"] as string | undefined;
    if (link) assert.ok(link.startsWith(`${emu.url}/api.securitycenter.microsoft.com/api/machines?`), link);
  }
  assert.equal(ids.length, MACHINES);
  assert.equal(new Set(ids).size, MACHINES);
  assert.equal(pages, Math.ceil(MACHINES / PAGE_SIZE));
});

test("$top above the page size keeps its remainder in the nextLink; $top below it gets no link", async () => {
  const big = await call(api("alerts?$top=10"));
  assert.equal((big.body.value as Json[]).length, PAGE_SIZE);
  assert.match(String(big.body["@odata.nextLink"]), /\$top=3&\$skip=7$/);
  const small = await call(api("alerts?$top=4&$skip=2"));
  assert.equal((small.body.value as Json[]).length, 4);
  assert.equal(small.body["@odata.nextLink"], undefined);
  const all = await call(api(`alerts?$top=${PAGE_SIZE}`));
  assert.deepEqual(
    (small.body.value as Json[]).map((a) => a.id),
    (all.body.value as Json[]).slice(2, 6).map((a) => a.id),
  );
});

/** Every item of a list, following its nextLinks (each must carry the filter on). */
async function walk(path: string): Promise<Json[]> {
  const items: Json[] = [];
  let link: string | undefined = `${emu.url}/${path}`;
  while (link) {
    const response: Response = await fetch(link, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(response.status, 200);
    const body = (await response.json()) as Json;
    items.push(...(body.value as Json[]));
    link = body["@odata.nextLink"] as string | undefined;
  }
  return items;
}

/** Every item of a collection, page by page with $skip. */
async function everything(collection: string, count: number): Promise<Json[]> {
  const items: Json[] = [];
  for (let skip = 0; skip < count; skip += PAGE_SIZE) {
    items.push(...((await call(api(`${collection}?$skip=${skip}`))).body.value as Json[]));
  }
  return items;
}

test("$filter on severity, status and alertCreationTime selects exactly the matching alerts", async () => {
  const all = await everything("alerts", ALERTS);
  assert.equal(all.length, ALERTS);
  const cutoff = String(all[20]!.alertCreationTime);
  const filter = encodeURIComponent(
    `severity eq 'High' and status ne 'Resolved' and alertCreationTime ge ${cutoff}`,
  );
  const found = await walk(api(`alerts?$filter=${filter}`));
  const expected = all.filter(
    (a) => a.severity === "High" && a.status !== "Resolved" && String(a.alertCreationTime) >= cutoff,
  );
  assert.ok(expected.length > 0);
  assert.deepEqual(
    found.map((a) => a.id),
    expected.map((a) => a.id),
  );
});

test("machines filter on healthStatus, riskScore and computerDnsName", async () => {
  const all = await everything("machines", MACHINES);
  const target = all[3]!;
  const byName = await call(
    api(`machines?$filter=${encodeURIComponent(`computerDnsName eq '${target.computerDnsName}'`)}`),
  );
  assert.deepEqual(
    (byName.body.value as Json[]).map((m) => m.id),
    [target.id],
  );
  const filter = encodeURIComponent("healthStatus eq 'Active' and riskScore eq 'High'");
  const risky = await walk(api(`machines?$filter=${filter}`));
  assert.deepEqual(
    risky.map((m) => m.id),
    all.filter((m) => m.healthStatus === "Active" && m.riskScore === "High").map((m) => m.id),
  );
});

test("GET by id returns the entity; an unknown id is a 404 in Defender's error shape", async () => {
  const first = ((await call(api("alerts?$top=1"))).body.value as Json[])[0]!;
  const one = await call(api(`alerts/${first.id}`));
  assert.equal(one.status, 200);
  assert.equal(one.body.id, first.id);
  assert.equal(one.body.title, first.title);
  const missing = await call(api("machines/0000000000000000000000000000000000000000"));
  assert.equal(missing.status, 404);
  const error = missing.body.error as Json;
  assert.equal(error.code, "ResourceNotFound");
  assert.equal(error.message, "Machine 0000000000000000000000000000000000000000 was not found");
  assert.equal(typeof error.target, "string");
});

test("a bad filter or $top is a 400 naming the problem", async () => {
  const property = await call(api(`alerts?$filter=${encodeURIComponent("colour eq 'red'")}`));
  assert.equal(property.status, 400);
  assert.match(String((property.body.error as Json).message), /colour/);
  const value = await call(api(`alerts?$filter=${encodeURIComponent("severity eq 'Severe'")}`));
  assert.equal(value.status, 400);
  assert.match(String((value.body.error as Json).message), /Severe.*Informational, Low, Medium, High/);
  const top = await call(api("alerts?$top=20000"));
  assert.equal(top.status, 400);
  assert.equal((top.body.error as Json).code, "BadRequest");
});

test("tokens: none or another audience is 401; a missing role is 403 naming it", async () => {
  const none = await call(api("alerts"), "");
  assert.equal(none.status, 401);
  assert.equal((none.body.error as Json).code, "Unauthorized");
  const graph = await appToken(emu, DEV_TENANT.id, "https://graph.microsoft.com/.default");
  const wrong = await call(api("alerts"), graph);
  assert.equal(wrong.status, 401);
  assert.match(String((wrong.body.error as Json).message), /audience/);
  const fabrikam = await appToken(emu, DEV_TENANT_P1.id);
  assert.equal((await call(api("alerts?$top=1"), fabrikam)).status, 200);
  const denied = await call(api("machines"), fabrikam);
  assert.equal(denied.status, 403);
  assert.equal((denied.body.error as Json).code, "Forbidden");
  assert.match(String((denied.body.error as Json).message), /Machine\.Read\.All/);
});

test("the same seed gives the same data; each tenant has its own", async () => {
  const fabrikam = await appToken(emu, DEV_TENANT_P1.id);
  const ours = (await call(api("alerts?$top=5"))).body.value as Json[];
  const theirs = (await call(api("alerts?$top=5"), fabrikam)).body.value as Json[];
  assert.notDeepEqual(
    ours.map((a) => a.id),
    theirs.map((a) => a.id),
  );
  assert.ok(theirs.every((a) => a.aadTenantId === DEV_TENANT_P1.id));
  const again = await startDefenderEmulator();
  try {
    const other = await appToken(again, DEV_TENANT.id);
    const response = await fetch(`${again.url}/${api("alerts?$top=5")}`, {
      headers: { authorization: `Bearer ${other}` },
    });
    const body = (await response.json()) as Json;
    assert.deepEqual(body.value, ours);
  } finally {
    await again.close();
  }
});
