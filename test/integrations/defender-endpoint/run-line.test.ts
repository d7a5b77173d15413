/**
 * Defender for Endpoint through `runLine`: instances saved in a real SQLite store, client credentials from
 * the emulator, the API at `<emulator>/<real host>`, context merged by ID. Endpoint types pick the API
 * host, scope and login of their cloud (unit), and a Custom type with a URL runs end to end.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type { RunningEmulator } from "../../../src/emulator/server.ts";
import { DEV_APP, DEV_TENANT, DEV_TENANT_P1 } from "../../../src/emulator/well-known.ts";
import type { EntrakitError } from "../../../src/errors.ts";
import { findIntegration } from "../../../src/integrations/registry.ts";
import { readContext, resolveInstance, saveInstance } from "../../../src/runtime/instances.ts";
import { runLine } from "../../../src/runtime/session.ts";
import { instanceCloud, resourceTarget } from "../../../src/runtime/targets.ts";
import { openStore } from "../../../src/store/open.ts";
import type { EntrakitStore } from "../../../src/store/store.ts";
import { ANCHOR_MS, MACHINES, startDefenderEmulator } from "./emulator-support.ts";

let emu: RunningEmulator;
let dir: string;
let store: EntrakitStore;

const credentials = (tenant: string) => ({
  authentication_type: "Client Credentials",
  client_id: DEV_APP.clientId,
  tenant_id: tenant,
  client_secret: DEV_APP.secret,
});

before(async () => {
  emu = await startDefenderEmulator();
  dir = mkdtempSync(join(tmpdir(), "entrakit-mde-"));
  store = await openStore({ url: `sqlite:${join(dir, "store.db")}`, masterKey: randomBytes(32), env: {} });
  // Custom cloud: sign-in at the emulator, the EU host of the API under it.
  await saveInstance(
    store,
    resolveInstance({
      name: "mde",
      integration: "microsoft-defender-for-endpoint",
      params: { ...credentials(DEV_TENANT.id), azure_cloud: "Custom" },
      endpoints: {
        login: emu.url,
        defenderForEndpoint: `${emu.url}/api-eu.securitycenter.microsoft.com`,
      },
    }),
  );
  // The reference's Custom endpoint type: the API URL in `url`; Fabrikam lacks Machine.Read.All.
  await saveInstance(
    store,
    resolveInstance({
      name: "mde-fabrikam",
      integration: "microsoft-defender-for-endpoint",
      params: {
        ...credentials(DEV_TENANT_P1.id),
        azure_cloud: "Custom",
        endpoint_type: "Custom",
        url: `${emu.url}/api-uk.securitycenter.microsoft.com`,
      },
      endpoints: { login: emu.url },
    }),
  );
});
after(async () => {
  await store?.close();
  await emu?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

type Item = Record<string, unknown>;
const options = () => ({ store, now: () => ANCHOR_MS });

test("endpoint types pick the API host, scope and login of their cloud", () => {
  const definition = findIntegration("microsoft-defender-for-endpoint").definition;
  const cases: Array<[string, string, string, string]> = [
    [
      "Worldwide",
      "https://api.securitycenter.microsoft.com/api",
      "https://securitycenter.onmicrosoft.com",
      "https://login.microsoftonline.com",
    ],
    [
      "US Geo Proximity",
      "https://api.securitycenter.microsoft.com/api",
      "https://securitycenter.onmicrosoft.com",
      "https://login.microsoftonline.com",
    ],
    [
      "EU Geo Proximity",
      "https://api-eu.securitycenter.microsoft.com/api",
      "https://securitycenter.onmicrosoft.com",
      "https://login.microsoftonline.com",
    ],
    [
      "UK Geo Proximity",
      "https://api-uk.securitycenter.microsoft.com/api",
      "https://securitycenter.onmicrosoft.com",
      "https://login.microsoftonline.com",
    ],
    [
      "US GCC",
      "https://api-gcc.securitycenter.microsoft.us/api",
      "https://securitycenter.onmicrosoft.com",
      "https://login.microsoftonline.com",
    ],
    [
      "US GCC-High",
      "https://api-gov.securitycenter.microsoft.us/api",
      "https://securitycenter.onmicrosoft.us",
      "https://login.microsoftonline.us",
    ],
    [
      "DoD",
      "https://api-gov.securitycenter.microsoft.us/api",
      "https://securitycenter.onmicrosoft.us",
      "https://login.microsoftonline.us",
    ],
  ];
  for (const [type, api, scopeHost, login] of cases) {
    const instance = resolveInstance({
      name: "x",
      integration: "microsoft-defender-for-endpoint",
      params: { ...credentials(DEV_TENANT.id), endpoint_type: type },
    });
    const cloud = instanceCloud(instance);
    const target = resourceTarget(definition, instance, cloud);
    assert.equal(target.baseUrl, api, type);
    assert.deepEqual(target.audience.scopes, [`${scopeHost}/windowsatpservice/.default`], type);
    assert.equal(cloud.endpoints.login?.replace(/\/$/, ""), login, type);
  }
  const custom = resolveInstance({
    name: "x",
    integration: "microsoft-defender-for-endpoint",
    params: { ...credentials(DEV_TENANT.id), endpoint_type: "Custom" },
  });
  assert.throws(() => instanceCloud(custom), /Endpoint type is set to 'Custom' but no URL was provided/);
  const legacy = resolveInstance({
    name: "x",
    integration: "microsoft-defender-for-endpoint",
    params: { ...credentials(DEV_TENANT.id), is_gcc: "true" },
  });
  assert.equal(
    resourceTarget(definition, legacy, instanceCloud(legacy)).baseUrl,
    "https://api-gcc.securitycenter.microsoft.us/api",
  );
  assert.throws(
    () =>
      resolveInstance({
        name: "x",
        integration: "microsoft-defender-for-endpoint",
        params: { ...credentials(DEV_TENANT.id), endpoint_type: "Mars" },
      }),
    /Invalid value "Mars" for endpoint_type/,
  );
});

test("list-alerts through runLine: token from the emulator, alerts from the EU host, context merged by ID", async () => {
  const first = await runLine("!microsoft-atp-list-alerts limit=10 severity=Medium using=mde", options());
  assert.equal(first.instance, "mde");
  const alerts = first.results[0]!.outputs!.data as Item[];
  assert.equal(alerts.length, 10);
  assert.ok(alerts.every((alert) => alert.Severity === "Medium"));
  await runLine("!microsoft-atp-list-alerts limit=12 severity=Medium using=mde", options());
  const context = await readContext(store, "mde");
  const stored = (context.MicrosoftATP as Item).Alert as Item[];
  assert.equal(stored.length, 12);
  assert.equal(new Set(stored.map((alert) => alert.ID)).size, 12);
});

test("get-machines and get-machine-details through runLine", async () => {
  const listed = await runLine(`!microsoft-atp-get-machines limit=${MACHINES} using=mde`, options());
  const machines = listed.results[0]!.outputs!.data as Item[];
  assert.equal(machines.length, MACHINES);
  const id = String(machines[2]!.ID);
  const detail = await runLine(`!microsoft-atp-get-machine-details machine_id=${id} using=mde`, options());
  assert.equal(
    (detail.results[0]!.outputs!.data as Item[])[0]!.ComputerDNSName,
    machines[2]!.ComputerDNSName,
  );
});

test("errors through runLine: 404 as not_found, 400 on a bad filter value, 403 naming Machine.Read.All, Custom endpoint type with its URL", async () => {
  await assert.rejects(
    runLine("!microsoft-atp-get-alert-by-id alert_ids=da000_1 using=mde", options()),
    (error: EntrakitError) => {
      assert.equal(error.code, "not_found");
      return true;
    },
  );
  await assert.rejects(
    runLine("!microsoft-atp-list-alerts category=Bogus using=mde", options()),
    (error: EntrakitError) =>
      error.code === "usage" && /refused the alerts filter: .*'Bogus'/.test(error.message),
  );
  const alerts = await runLine("!microsoft-atp-list-alerts limit=2 using=mde-fabrikam", options());
  assert.equal((alerts.results[0]!.outputs!.data as Item[])[0]!.AADTenantID, DEV_TENANT_P1.id);
  await assert.rejects(
    runLine("!microsoft-atp-get-machines using=mde-fabrikam", options()),
    (error: EntrakitError) => {
      assert.equal(error.code, "permission_denied");
      assert.match(error.message, /Machine\.Read\.All/);
      return true;
    },
  );
});

test("the auth test command gets a WindowsDefenderATP token and probes alerts", async () => {
  const outcome = await runLine("!microsoft-atp-test using=mde", options());
  assert.deepEqual(
    outcome.results.map((result) => result.readable),
    ["✅ Success!"],
  );
});
