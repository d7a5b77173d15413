/**
 * The whole chain a wired instance will use, against the emulator: a client-secret credential from
 * src/auth, the transport from src/http (retries, typed errors), createApiClient, and the commands.
 * The emulator enforces Identity Protection's one request per second per tenant on a frozen clock; the
 * transport's waits advance that clock, so the throttle is ridden out without sleeping.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { ClientSecretCredential } from "../../../src/auth/client-secret.ts";
import { CLOUDS } from "../../../src/clouds/registry.ts";
import type { RunningEmulator } from "../../../src/emulator/server.ts";
import { DEV_APP, DEV_TENANT } from "../../../src/emulator/well-known.ts";
import { EntrakitError } from "../../../src/errors.ts";
import { createHttpClient, type HttpClient } from "../../../src/http/client.ts";
import type { RetryWait } from "../../../src/http/retry.ts";
import { apiTarget, createApiClient } from "../../../src/integrations/api-client.ts";
import { azureRiskyUsersModule } from "../../../src/integrations/azure-risky-users/index.ts";
import { parseCommandLine } from "../../../src/runtime/command-line.ts";
import { runCommand } from "../../../src/runtime/dispatch.ts";
import { ANCHOR_MS, startRiskyUsersEmulator } from "./emulator-support.ts";

let emu: RunningEmulator;
let http: HttpClient;
const waits: RetryWait[] = [];

before(async () => {
  emu = await startRiskyUsersEmulator({ throttling: { [DEV_TENANT.id]: { mode: "identityProtection" } } });
  emu.core.clock.freeze();
  http = createHttpClient({
    onRetry: (wait) => waits.push(wait),
    clock: { sleep: async (ms) => void emu.core.clock.advance(ms) },
  });
});
after(async () => {
  await http?.close();
  await emu?.close();
});

function client() {
  const credential = new ClientSecretCredential({
    tenantId: DEV_TENANT.id,
    clientId: DEV_APP.clientId,
    clientSecret: DEV_APP.secret,
    authorityHost: emu.url,
  });
  const { audience } = apiTarget(CLOUDS.com, azureRiskyUsersModule.definition.auth.resource!);
  return createApiClient({ http, credential, baseUrl: `${emu.url}/v1.0`, audience });
}

test("the Graph audience comes from the cloud; the base URL from the cloud unless overridden", () => {
  assert.deepEqual(apiTarget(CLOUDS.com, azureRiskyUsersModule.definition.auth.resource!), {
    baseUrl: "https://graph.microsoft.com/v1.0",
    audience: { scopes: ["https://graph.microsoft.com/.default"] },
  });
});

test("list limit=1200 over a throttled tenant: every page waits out its 429, all 1000 users arrive", async () => {
  waits.length = 0;
  const progress: string[] = [];
  const results = await runCommand(
    azureRiskyUsersModule,
    parseCommandLine("!azure-risky-users-list limit=1200"),
    {
      client: client(),
      now: () => ANCHOR_MS,
      progress: (line) => progress.push(line),
    },
  );
  const users = results[0]!.outputs!.data as { id: string }[];
  assert.equal(users.length, 1000);
  assert.equal(new Set(users.map((u) => u.id)).size, 1000);
  assert.ok(waits.length >= 2, `waited ${waits.length} times`);
  assert.ok(
    waits.every((wait) => /429/.test(wait.reason) && !wait.target.includes("?")),
    JSON.stringify(waits[0]),
  );
  // The second nextLink hits Graph's last-page bug and is asked again with $top=499: 999, then the last one.
  assert.deepEqual(progress, ["Fetched 500 of 1200 risky users…", "Fetched 999 of 1200 risky users…"]);
});

test("a write through the full stack, then the change is visible", async () => {
  const api = client();
  const run = (line: string) =>
    runCommand(azureRiskyUsersModule, parseCommandLine(line), { client: api, now: () => ANCHOR_MS });
  const [first] = (await run("!azure-risky-users-list limit=1 risk_state=atRisk"))[0]!.outputs!.data as {
    id: string;
  }[];
  const done = await run(`!azure-risky-users-confirm-compromise user_ids=${first!.id}`);
  assert.equal(done[0]!.readable, `✅ Confirmed as compromised (1 user): ${first!.id}.`);
  const user = (await run(`!azure-risky-user-get id=${first!.id}`))[0]!.raw as { riskState: string };
  assert.equal(user.riskState, "confirmedCompromised");
});

test("a next_token on another host is refused before any token is sent", async () => {
  await assert.rejects(
    runCommand(
      azureRiskyUsersModule,
      parseCommandLine("!azure-risky-users-list next_token=https://evil.example/v1.0/x"),
      {
        client: client(),
        now: () => ANCHOR_MS,
      },
    ),
    (error: unknown) =>
      error instanceof EntrakitError &&
      error.code === "usage" &&
      /Refusing to send a token to https:\/\/evil\.example/.test(error.message),
  );
});
