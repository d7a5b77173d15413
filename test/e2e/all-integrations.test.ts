/**
 * The 37 integrations end to end, driven by the auth profiles (not a hand-written list): for every
 * integration and every non-interactive flow it runs — client credentials with a secret and with a
 * certificate, managed identity (the emulator's App Service endpoint) and the vendor app (through the real
 * OAuth proxy) — an instance in a real SQLite store aimed at the emulator passes its Test button, probe
 * included, with a token whose audience is the profile's first resource. A few rows also go through the
 * real binary. Device code and authorization code are in interactive-flows.test.ts, refusals and clouds in
 * refusals.test.ts and clouds.test.ts.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { CLOUDS } from "../../src/clouds/registry.ts";
import {
  type IntegrationProfile,
  PROFILES,
  resolveResources,
  supportedFlows,
} from "../../src/integrations/profiles/index.ts";
import { findIntegration } from "../../src/integrations/registry.ts";
import type { AuthFlow } from "../../src/integrations/types.ts";
import { authMessages } from "../../src/runtime/auth-commands.ts";
import { emulatorEndpointArgs } from "../../src/runtime/emulator-endpoints.ts";
import { loadInstance, resolveInstance, saveInstance } from "../../src/runtime/instances.ts";
import { audienceFor, testInstance, wireInstance } from "../../src/runtime/session.ts";
import { cliSandbox } from "../cli/cli-helpers.ts";
import { assertAudience, type E2eStack, instanceInput, startE2eStack } from "./support.ts";

let e2e: E2eStack;
const savedEnv: Record<string, string | undefined> = {};

before(async () => {
  e2e = await startE2eStack();
  // The runtime's managed identity credential reads the App Service variables from the process.
  for (const [name, value] of Object.entries(e2e.identityEnv)) {
    savedEnv[name] = process.env[name];
    process.env[name] = value;
  }
});
after(async () => {
  for (const [name, value] of Object.entries(savedEnv)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  await e2e?.close();
});

const NON_INTERACTIVE: readonly AuthFlow[] = [
  "client_credentials_secret",
  "client_credentials_certificate",
  "managed_identity",
  "vendor_app",
];

/** The token the instance's API client holds for its first resource, from the store's token cache. */
async function cachedToken(profile: IntegrationProfile, name: string, flow: AuthFlow): Promise<string> {
  const wired = wireInstance(findIntegration(profile.id), await loadInstance(e2e.store, name), {
    store: e2e.store,
  });
  try {
    assert.equal(wired.flow, flow);
    const audience = audienceFor(findIntegration(profile.id).definition, flow, wired.target);
    return (await wired.cached.getToken(audience)).token;
  } finally {
    await wired.cached.cache.idle();
    await wired.http.close();
  }
}

for (const flow of NON_INTERACTIVE) {
  const profiles = PROFILES.filter((profile) => supportedFlows(profile).includes(flow));
  describe(`${flow}: ${profiles.length} integrations`, { concurrency: true }, () => {
    for (const profile of profiles) {
      it(profile.id, async () => {
        const definition = findIntegration(profile.id).definition;
        const name = `${flow}.${profile.id}`.slice(0, 64);
        await saveInstance(e2e.store, resolveInstance(instanceInput(name, definition, flow, e2e)));
        const before = e2e.stack.emulator.admin.requests().length;
        assert.equal(await testInstance(name, { store: e2e.store }), authMessages(definition).testSuccess);
        assert.ok(
          e2e.stack.emulator.admin.requests().length > before,
          "the Test button reached the emulator",
        );
        assertAudience(e2e.stack.emulator, profile, await cachedToken(profile, name, flow));
      });
    }
  });
}

/**
 * Rows through the real binary: client credentials with a secret for one integration per distinct first
 * resource, and the first integration of each other non-interactive flow. Secrets go in through the
 * environment, never as arguments.
 */
const firstResource = (profile: IntegrationProfile) => resolveResources(profile, CLOUDS.com)[0]!.resource;
const CLI_ROWS: { profile: IntegrationProfile; flow: AuthFlow }[] = [
  ...PROFILES.filter((profile) => supportedFlows(profile).includes("client_credentials_secret"))
    .filter(
      (profile, index, all) => all.findIndex((o) => firstResource(o) === firstResource(profile)) === index,
    )
    .map((profile) => ({ profile, flow: "client_credentials_secret" as const })),
  ...NON_INTERACTIVE.filter((flow) => flow !== "client_credentials_secret").map((flow) => ({
    profile: PROFILES.find((profile) => supportedFlows(profile).includes(flow))!,
    flow,
  })),
];
const SECRET_PARAMS = new Set(["client_secret", "private_key"]);

describe(`the real binary: instance add + instance test, ${CLI_ROWS.length} rows`, {
  concurrency: true,
}, () => {
  for (const { profile, flow } of CLI_ROWS) {
    it(`${profile.id} (${flow})`, async () => {
      const cli = cliSandbox();
      try {
        const definition = findIntegration(profile.id).definition;
        const input = instanceInput("row", definition, flow, e2e);
        const args = ["instance", "add", "row", "--integration", profile.id];
        const env: Record<string, string> = {};
        for (const [name, value] of Object.entries(input.params)) {
          if (SECRET_PARAMS.has(name)) {
            env[`E2E_${name.toUpperCase()}`] = value;
            args.push("--secret-from-env", `${name}=E2E_${name.toUpperCase()}`);
          } else args.push("--param", `${name}=${value}`);
        }
        args.push(...emulatorEndpointArgs(e2e.emuUrl));
        if (input.vendorApp) args.push("--vendor-app", input.vendorApp);
        const added = await cli.run(args, { env });
        assert.equal(added.code, 0, added.stderr);
        const tested = await cli.run(["instance", "test", "row"], {
          env: flow === "managed_identity" ? e2e.identityEnv : {},
        });
        assert.equal(tested.stderr, "");
        assert.equal(tested.stdout, `${authMessages(definition).testSuccess}\n`);
        assert.equal(tested.code, 0);
      } finally {
        cli.close();
      }
    });
  }
});
