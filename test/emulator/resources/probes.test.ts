/**
 * Every profile's connectivity probe (the Test button's request) against the emulator: the API base comes
 * from resolveResources for a Custom cloud aimed at the emulator (`emulatorEndpoints`), per-account and
 * per-tenant addresses are mapped with `toEmulatorUrl`, and the token is an app token for the real
 * cloud's scope, as the runtime requests it. Each probe must answer 2xx.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { CLOUDS, customCloud } from "../../../src/clouds/registry.ts";
import { toEmulatorUrl } from "../../../src/emulator/resources/hosts.ts";
import type { RunningEmulator } from "../../../src/emulator/server.ts";
import { DEV_TENANT, DEV_VM } from "../../../src/emulator/well-known.ts";
import { PROFILES, resolveResources } from "../../../src/integrations/profiles/index.ts";
import { emulatorEndpoints } from "../../../src/runtime/emulator-endpoints.ts";
import { appToken, call, startResourceEmulator } from "./support.ts";

/** Instance parameters the probes' templates name, as a user would give them for the real services. */
const PARAMS: Readonly<Record<string, string>> = {
  tenant_id: DEV_TENANT.id,
  sub_id: DEV_VM.subscriptionId,
  subscriptionID: DEV_VM.subscriptionId,
  resourceGroupName: DEV_VM.resourceGroup,
  workspaceName: "ws-entrakit",
  workspaceID: "ws-1",
  vault_name: "entrakit-dev",
  account: "entrakitdev",
  organization: "contoso",
  url: "https://contoso.portal.cloudappsecurity.com",
  cluster_url: "https://entrakit.westus.kusto.windows.net",
};

function fill(template: string): string {
  return template.replace(/\{([A-Za-z0-9_]+)\}/g, (_, name: string) => {
    const value = PARAMS[name];
    if (value === undefined) throw new Error(`no test value for {${name}}`);
    return value;
  });
}

const PROBED = PROFILES.filter((profile) => profile.connectivityProbe !== null);

describe("every profile's connectivity probe answers 2xx from the emulator", () => {
  let emu: RunningEmulator;
  before(async () => {
    emu = await startResourceEmulator();
  });
  after(() => emu.close());

  it("covers every profile that has a probe", () => {
    assert.ok(PROBED.length >= 25, `${PROBED.length} probes`);
  });

  for (const profile of PROBED) {
    const probe = profile.connectivityProbe!;
    it(`${profile.id}: ${probe.method} ${probe.path}`, async () => {
      const cloud = customCloud({ endpoints: emulatorEndpoints(emu.url) });
      const target = resolveResources(profile, cloud)[probe.resource]!;
      const real = resolveResources(profile, CLOUDS.com)[probe.resource]!;
      const base = fill(target.api);
      const api = base.startsWith(emu.url) ? base : toEmulatorUrl(emu.url, base);
      const query = probe.query ? `?${new URLSearchParams(probe.query)}` : "";
      const path = `${api}${fill(probe.path)}${query}`.slice(emu.url.length);
      const bearer = await appToken(emu, { scope: fill(real.scope) });
      const reply = await call(emu, path, bearer, { method: probe.method });
      assert.ok(reply.status >= 200 && reply.status < 300, `${path}: ${reply.status} ${reply.text}`);
    });
  }
});
