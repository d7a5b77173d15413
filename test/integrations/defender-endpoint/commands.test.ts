/**
 * The Defender for Endpoint commands against the emulator's API over HTTP (a fetch client with an app
 * token): filters as sent, limit across nextLinks, outputs and readable tables as the reference shapes
 * them, and the errors (404, 403, 400) explained.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { RunningEmulator } from "../../../src/emulator/server.ts";
import { DEV_TENANT, DEV_TENANT_P1 } from "../../../src/emulator/well-known.ts";
import type { EntrakitError } from "../../../src/errors.ts";
import {
  andFilter,
  anyOfFilter,
  ipAddressesText,
} from "../../../src/integrations/defender-endpoint/commands.ts";
import { defenderEndpointModule } from "../../../src/integrations/defender-endpoint/index.ts";
import { parseCommandLine } from "../../../src/runtime/command-line.ts";
import { runCommand } from "../../../src/runtime/dispatch.ts";
import { fetchApiClient, type RecordingClient } from "../fetch-client.ts";
import {
  ALERTS,
  ANCHOR_MS,
  appToken,
  MACHINES,
  PAGE_SIZE,
  startDefenderEmulator,
} from "./emulator-support.ts";

let emu: RunningEmulator;
let client: RecordingClient;
let fabrikam: RecordingClient;

before(async () => {
  emu = await startDefenderEmulator();
  const base = `${emu.url}/api.securitycenter.microsoft.com/api`;
  const token = await appToken(emu, DEV_TENANT.id);
  const other = await appToken(emu, DEV_TENANT_P1.id);
  client = fetchApiClient(base, async () => token);
  fabrikam = fetchApiClient(base, async () => other);
});
after(async () => {
  await emu?.close();
});

type Item = Record<string, unknown>;

async function run(line: string, on: RecordingClient = client) {
  on.requests.length = 0;
  return runCommand(defenderEndpointModule, parseCommandLine(line), { client: on, now: () => ANCHOR_MS });
}

test("filters: equalities joined with and, quotes doubled, several host names as a DNF", () => {
  assert.equal(
    andFilter([
      ["severity", "High"],
      ["status", undefined],
      ["category", "O'Brien"],
    ]),
    "severity eq 'High' and category eq 'O''Brien'",
  );
  assert.equal(
    anyOfFilter("computerDnsName", ["a", "b"], [["riskScore", "High"]]),
    "(computerDnsName eq 'a' and riskScore eq 'High') or (computerDnsName eq 'b' and riskScore eq 'High')",
  );
  assert.equal(anyOfFilter("computerDnsName", [], [["riskScore", "High"]]), "riskScore eq 'High'");
});

test("list-alerts limit=20 walks nextLinks past the 7-item pages and returns 20 distinct alerts", async () => {
  const [result] = await run("!microsoft-atp-list-alerts limit=20");
  const alerts = result!.outputs!.data as Item[];
  assert.equal(alerts.length, 20);
  assert.equal(new Set(alerts.map((alert) => alert.ID)).size, 20);
  assert.equal(client.requests.length, Math.ceil(20 / PAGE_SIZE));
  assert.match(client.requests[0]!.url, /\/api\/alerts\?%24top=20$/);
  assert.equal(result!.outputs!.prefix, "MicrosoftATP.Alert");
  assert.equal(result!.outputs!.key, "ID");
  assert.ok(
    result!.readable.startsWith(
      "### Microsoft Defender ATP alerts with limit of 20:\n|ID|Title|Description|IncidentID|Severity|Status|",
    ),
  );
  const first = alerts[0]!;
  assert.deepEqual(Object.keys(first).slice(0, 5), [
    "ID",
    "IncidentID",
    "InvestigationID",
    "InvestigationState",
    "AssignedTo",
  ]);
  assert.equal(first.AADTenantID, DEV_TENANT.id);
});

test("list-alerts with a limit above the data returns every alert once and no next link", async () => {
  const [result] = await run(`!microsoft-atp-list-alerts limit=${ALERTS + 40}`);
  assert.equal((result!.outputs!.data as Item[]).length, ALERTS);
  assert.equal((result!.raw as Item)["@odata.nextLink"], null);
});

test("list-alerts severity, status and creation_time become one $filter the API applies", async () => {
  const [result] = await run(
    '!microsoft-atp-list-alerts severity=High status=New creation_time="20 days" limit=100',
  );
  const url = new URL(client.requests[0]!.url);
  assert.equal(
    url.searchParams.get("$filter"),
    "severity eq 'High' and status eq 'New' and alertCreationTime ge 2025-12-26T00:00:00.0000000Z",
  );
  const alerts = result!.outputs!.data as Item[];
  assert.ok(alerts.length > 0);
  for (const alert of alerts) {
    assert.equal(alert.Severity, "High");
    assert.equal(alert.Status, "New");
    assert.ok(String(alert.AlertCreationTime) >= "2025-12-26T00:00:00", String(alert.AlertCreationTime));
  }
});

test("list-alerts refuses a severity the API does not have before any request", async () => {
  await assert.rejects(run("!microsoft-atp-list-alerts severity=Severe"), (error: EntrakitError) => {
    assert.equal(error.code, "usage");
    assert.match(error.message, /severity/);
    return true;
  });
  assert.equal(client.requests.length, 0);
});

test("get-alert-by-id returns the alerts, noting the ids that were not found", async () => {
  const [listed] = await run("!microsoft-atp-list-alerts limit=2");
  const [a, b] = (listed!.outputs!.data as Item[]).map((alert) => String(alert.ID));
  const [result] = await run(`!microsoft-atp-get-alert-by-id alert_ids="${a},${b},${a},missing-1"`);
  assert.deepEqual(
    (result!.outputs!.data as Item[]).map((alert) => alert.ID),
    [a, b],
  );
  assert.ok(
    result!.readable.startsWith(
      `### Microsoft Defender ATP Alerts Info for IDs ['${a}', '${b}', 'missing-1']:`,
    ),
  );
  assert.ok(result!.readable.endsWith("they were not found: ['missing-1']."), result!.readable);
});

test("get-alert-by-id with only unknown ids is a not_found error naming the list command", async () => {
  await assert.rejects(run("!microsoft-atp-get-alert-by-id alert_ids=nope"), (error: EntrakitError) => {
    assert.equal(error.code, "not_found");
    assert.match(error.message, /nope/);
    assert.match(error.hint ?? "", /!microsoft-atp-list-alerts/);
    return true;
  });
});

test("get-machines filters on host names, risk score and health status; limit spans pages", async () => {
  const [all] = await run(`!microsoft-atp-get-machines limit=${MACHINES}`);
  const machines = all!.outputs!.data as Item[];
  assert.equal(machines.length, MACHINES);
  assert.equal(all!.outputs!.prefix, "MicrosoftATP.Machine");
  assert.ok(
    all!.readable.startsWith("### Microsoft Defender ATP Machines:\n|ID|ComputerDNSName|OSPlatform|"),
  );
  const names = [machines[1]!.ComputerDNSName, machines[4]!.ComputerDNSName].map(String);
  const [byName] = await run(`!microsoft-atp-get-machines hostname="${names.join(",")}"`);
  assert.deepEqual(
    (byName!.outputs!.data as Item[]).map((m) => m.ComputerDNSName),
    names,
  );
  const [healthy] = await run("!microsoft-atp-get-machines health_status=Active risk_score=None limit=100");
  assert.equal(
    new URL(client.requests[0]!.url).searchParams.get("$filter"),
    "riskScore eq 'None' and healthStatus eq 'Active'",
  );
  const expected = machines.filter((m) => m.HealthStatus === "Active" && m.RiskScore === "None");
  assert.ok(expected.length > 0);
  assert.deepEqual(
    (healthy!.outputs!.data as Item[]).map((m) => m.ID),
    expected.map((m) => m.ID),
  );
});

test("get-machine-details: fields as the reference names them, IP addresses as its text cell; 404 explained", async () => {
  const [listed] = await run("!microsoft-atp-get-machines limit=1");
  const id = String((listed!.outputs!.data as Item[])[0]!.ID);
  const [result] = await run(`!microsoft-atp-get-machine-details machine_id=${id}`);
  const machine = (result!.outputs!.data as Item[])[0]!;
  assert.equal(machine.ID, id);
  for (const field of [
    "ComputerDNSName",
    "OSPlatform",
    "LastIPAddress",
    "HealthStatus",
    "RiskScore",
    "IPAddresses",
  ]) {
    assert.ok(field in machine, field);
  }
  assert.ok(result!.readable.includes(`machines ['${id}'] details:`));
  assert.match(result!.readable, /1\. \\\| MAC : [0-9A-F]{12} \\\| IP Addresses : 10\./);
  await assert.rejects(
    run("!microsoft-atp-get-machine-details machine_id=0000000000000000000000000000000000000000"),
    (error: EntrakitError) =>
      error.code === "not_found" && /!microsoft-atp-get-machines/.test(error.hint ?? ""),
  );
});

test("ipAddressesText groups addresses by MAC and aligns the columns", () => {
  assert.equal(
    ipAddressesText([
      { ipAddress: "10.0.0.1", macAddress: "AA", type: "Ethernet", operationalStatus: "Up" },
      { ipAddress: "10.0.0.2", macAddress: "AA", type: "Ethernet", operationalStatus: "Up" },
      { ipAddress: "fe80::1", macAddress: "BBBB", type: "Wireless", operationalStatus: "Down" },
    ]),
    "1. | MAC : AA   | IP Addresses : 10.0.0.1,10.0.0.2 | Type : Ethernet | Status : Up  \n" +
      "2. | MAC : BBBB | IP Addresses : fe80::1           | Type : Wireless | Status : Down",
  );
});

test("a tenant without Machine.Read.All gets a permission error naming it; alerts still work there", async () => {
  const [alerts] = await run("!microsoft-atp-list-alerts limit=3", fabrikam);
  assert.equal((alerts!.outputs!.data as Item[]).length, 3);
  await assert.rejects(run("!microsoft-atp-get-machines", fabrikam), (error: EntrakitError) => {
    assert.equal(error.code, "permission_denied");
    assert.match(error.message, /Machine\.Read\.All/);
    assert.match(error.hint ?? "", /!microsoft-atp-auth-reset/);
    return true;
  });
});

test("a category the API does not know is its 400, explained with the filter sent (quotes stay quoted)", async () => {
  await assert.rejects(
    run(`!microsoft-atp-list-alerts category="x' or severity eq 'High"`),
    (error: EntrakitError) => {
      assert.equal(error.code, "usage");
      assert.match(
        error.message,
        /^Defender for Endpoint refused the alerts filter: The string 'x' or severity eq 'High' is not a valid enumeration/,
      );
      assert.match(error.hint ?? "", /category eq 'x'' or severity eq ''High'/);
      return true;
    },
  );
  assert.equal(client.requests.length, 1);
});
