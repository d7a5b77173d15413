/**
 * Every Azure Risky Users command end to end against the emulator's Graph: real HTTP, real tokens from
 * its token endpoint, its generated Identity Protection data, licences, permissions and Graph's last-page
 * bug. Relative dates resolve against the data's anchor, so results do not depend on the day.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { RunningEmulator } from "../../../src/emulator/server.ts";
import { DEV_APP, DEV_TENANT, DEV_TENANT_P1, GRAPH_APP_ID } from "../../../src/emulator/well-known.ts";
import { EntrakitError } from "../../../src/errors.ts";
import { azureRiskyUsersModule } from "../../../src/integrations/azure-risky-users/index.ts";
import { parseCommandLine } from "../../../src/runtime/command-line.ts";
import { type Context, mergeOutputs, readContextPath } from "../../../src/runtime/context.ts";
import { runCommand } from "../../../src/runtime/dispatch.ts";
import type { CommandResult } from "../../../src/runtime/result.ts";
import { ANCHOR_MS, appToken, graphClient, startRiskyUsersEmulator } from "./emulator-support.ts";

type User = Record<string, unknown> & {
  id: string;
  riskLastUpdatedDateTime: string;
  riskLevel: string;
  riskState: string;
};

let emu: RunningEmulator;
let token: string;
/** Every risky user, read once through the command itself (limit above the total). */
let everyone: User[];
/** The requests that read them. */
let everyoneRequests: string[];

before(async () => {
  emu = await startRiskyUsersEmulator();
  token = await appToken(emu, DEV_TENANT.id);
  const all = await run("!azure-risky-users-list limit=100000");
  everyone = data<User>(all.results[0]!);
  everyoneRequests = all.requests.map((r) => decodeURIComponent(new URL(r.url).search));
});
after(() => emu?.close());

async function run(line: string, bearer = token) {
  const client = graphClient(emu, bearer);
  const results = await runCommand(azureRiskyUsersModule, parseCommandLine(line), {
    client,
    now: () => ANCHOR_MS,
  });
  return { results, requests: client.requests };
}

function data<T>(result: CommandResult): T[] {
  const value = result.outputs!.data;
  return (Array.isArray(value) ? value : [value]) as T[];
}

async function fails(line: string, bearer = token): Promise<EntrakitError> {
  try {
    await run(line, bearer);
  } catch (error) {
    assert.ok(error instanceof EntrakitError, String(error));
    return error;
  }
  assert.fail(`${line} should fail`);
}

/** A token minted by the emulator's token service with only the given application permissions. */
async function tokenWithRoles(roles: string[]): Promise<string> {
  const issued = await emu.core.tokens.issueAccessToken({
    tenantId: DEV_TENANT.id,
    resource: emu.core.directory.resourceApi(GRAPH_APP_ID)!,
    clientId: DEV_APP.clientId,
    subject: { kind: "app", servicePrincipalId: "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9" },
    roles,
    version: 2,
  });
  return issued.token;
}

test("limit=100000 streams every risky user once, through Graph's last-page bug", async () => {
  assert.equal(everyone.length, 1000);
  assert.equal(new Set(everyone.map((u) => u.id)).size, 1000);
  // 500, then the nextLink whose 500 remaining items exactly fill a page: 400, asked again with 499, then 1.
  assert.equal(everyoneRequests.length, 4, everyoneRequests.join("\n"));
  assert.match(everyoneRequests[0]!, /^\?\$top=500&/);
  assert.match(everyoneRequests[1]!, /\$top=500/);
  assert.match(everyoneRequests[2]!, /\$top=499/);
  const dates = everyone.map((u) => Date.parse(u.riskLastUpdatedDateTime));
  assert.ok(
    dates.every((d, i) => i === 0 || dates[i - 1]! >= d),
    "newest first by default",
  );
});

test("limit=10: ten users, the readable table in the reference's shape, merged into the context by id", async () => {
  const { results, requests } = await run("!azure-risky-users-list limit=10");
  assert.equal(results.length, 1);
  assert.deepEqual(
    data<User>(results[0]!).map((u) => u.id),
    everyone.slice(0, 10).map((u) => u.id),
  );
  assert.equal(requests.length, 1);
  assert.match(
    results[0]!.readable,
    /^### Risky Users List:\n\|Id\|User Display Name\|User Principal Name\|Risk Level\|Risk State\|Risk Detail\|Risk Last Updated Date Time\|\n\|---\|/,
  );
  const context: Context = {};
  mergeOutputs(context, results[0]!.outputs!);
  assert.equal((readContextPath(context, "AzureRiskyUsers.RiskyUser.id") as string[]).length, 10);
});

test("page_size=2 then its next_token: the next two users, the token overwritten in the context", async () => {
  const context: Context = {};
  const first = await run("!azure-risky-users-list page_size=2");
  assert.equal(first.results.length, 2);
  for (const result of first.results) mergeOutputs(context, result.outputs!);
  const link = readContextPath(context, "AzureRiskyUsers.RiskyUserListNextToken") as string;
  assert.ok(link.startsWith(`${emu.url}/v1.0/identityProtection/riskyUsers?`), link);

  const second = await run(`!azure-risky-users-list next_token="${link}"`);
  assert.equal(second.requests.length, 1);
  assert.equal(second.requests[0]!.url, link, "the token is followed exactly");
  for (const result of second.results) mergeOutputs(context, result.outputs!);
  assert.deepEqual(
    readContextPath(context, "AzureRiskyUsers.RiskyUser.id"),
    everyone.slice(0, 4).map((u) => u.id),
  );
  const newer = readContextPath(context, "AzureRiskyUsers.RiskyUserListNextToken");
  assert.notEqual(newer, link);
  assert.equal(typeof newer, "string");
});

test("risk_level and risk_state filter on the server exactly as a client-side filter would", async () => {
  const { results, requests } = await run(
    "!azure-risky-users-list risk_level=high risk_state=atRisk limit=100000",
  );
  const expected = everyone
    .filter((u) => u.riskLevel === "high" && u.riskState === "atRisk")
    .map((u) => u.id);
  assert.ok(expected.length > 0);
  assert.deepEqual(
    data<User>(results[0]!).map((u) => u.id),
    expected,
  );
  assert.equal(
    new URL(requests[0]!.url).searchParams.get("$filter"),
    "riskState eq 'atRisk' and riskLevel eq 'high'",
  );
});

test('updated_after="10 days" and updated_before="3 days ago" resolve against the clock', async () => {
  const { results, requests } = await run(
    '!azure-risky-users-list updated_after="10 days" updated_before="3 days ago" order_by="riskLastUpdatedDateTime asc" limit=100000',
  );
  const from = ANCHOR_MS - 10 * 86_400_000;
  const to = ANCHOR_MS - 3 * 86_400_000;
  const expected = everyone
    .filter(
      (u) => Date.parse(u.riskLastUpdatedDateTime) >= from && Date.parse(u.riskLastUpdatedDateTime) <= to,
    )
    .map((u) => u.id)
    .sort();
  assert.ok(expected.length > 0);
  const got = data<User>(results[0]!);
  assert.deepEqual(got.map((u) => u.id).sort(), expected);
  const dates = got.map((u) => Date.parse(u.riskLastUpdatedDateTime));
  assert.ok(
    dates.every((d, i) => i === 0 || dates[i - 1]! <= d),
    "oldest first",
  );
  assert.equal(
    new URL(requests[0]!.url).searchParams.get("$filter"),
    "riskLastUpdatedDateTime le 2026-01-12T00:00:00.0000000Z and riskLastUpdatedDateTime ge 2026-01-05T00:00:00.0000000Z",
  );
});

test("get: the whole user; an unknown id is not a risky user (or not found)", async () => {
  const target = everyone[7]!;
  const { results } = await run(`!azure-risky-user-get id=${target.id}`);
  const user = results[0]!.raw as User;
  assert.equal(user.id, target.id);
  assert.match(String(user["@odata.context"]), /\$entity$/);
  assert.ok(results[0]!.readable.startsWith(`### Found Risky User With ID: ${target.id}\n`));
  const error = await fails("!azure-risky-user-get id=00000000-0000-0000-0000-000000000000");
  assert.equal(error.code, "not_found");
  assert.match(error.message, /is not a risky user \(or not found\)/);
});

test("detections: page 1, a later page by walking nextLinks, past the end, and get", async () => {
  const all = data<{ id: string }>(
    (await run("!azure-risky-users-risk-detections-list limit=300")).results[0]!,
  );
  assert.equal(all.length, 300);
  const third = await run("!azure-risky-users-risk-detections-list limit=40 page=3");
  assert.deepEqual(
    data<{ id: string }>(third.results[0]!).map((d) => d.id),
    all.slice(80, 120).map((d) => d.id),
  );
  assert.ok(third.requests.every((r) => Number(new URL(r.url).searchParams.get("$top") ?? 0) <= 500));
  const beyond = await run("!azure-risky-users-risk-detections-list limit=100 page=4");
  assert.equal(
    beyond.results[0]!.readable,
    "Risk Detections List\nCurrent page size: 100\nShowing page 4 out others that may exist",
  );
  const one = await run(`!azure-risky-users-risk-detection-get id=${all[5]!.id}`);
  assert.equal((one.results[0]!.raw as { id: string }).id, all[5]!.id);
  assert.ok(one.results[0]!.readable.startsWith(`### Found Risk Detection with ID: ${all[5]!.id}\n`));
  const missing = await fails("!azure-risky-users-risk-detection-get id=nope");
  assert.equal(missing.code, "not_found");
});

test("detection date filters accept relative dates", async () => {
  const { results, requests } = await run(
    '!azure-risky-users-risk-detections-list detected_date_time_after="7 days" limit=300',
  );
  const from = ANCHOR_MS - 7 * 86_400_000;
  for (const detection of data<{ detectedDateTime: string }>(results[0]!)) {
    assert.ok(Date.parse(detection.detectedDateTime) >= from, detection.detectedDateTime);
  }
  assert.equal(
    new URL(requests[0]!.url).searchParams.get("$filter"),
    "detectedDateTime ge 2026-01-08T00:00:00.0000000Z",
  );
});

test("confirm-compromise, dismiss and confirm-safe change the users, and history shows it", async () => {
  const [a, b] = everyone.filter((u) => u.riskState === "atRisk");
  const confirmed = await run(`!azure-risky-users-confirm-compromise user_ids=${a!.id},${b!.id}`);
  assert.equal(confirmed.results[0]!.readable, `✅ Confirmed as compromised (2 users): ${a!.id}, ${b!.id}.`);
  const after = (await run(`!azure-risky-user-get id=${a!.id}`)).results[0]!.raw as User;
  assert.equal(after.riskState, "confirmedCompromised");
  assert.equal(after.riskLevel, "high");

  const history = await run(`!azure-risky-user-history-list id=${a!.id}`);
  const items = data<{ riskState: string; id: string }>(history.results[0]!);
  assert.equal(items.at(-1)!.riskState, "confirmedCompromised");
  assert.ok(history.results[0]!.readable.startsWith(`### Risky User History For ID: ${a!.id}\n`));
  assert.equal(history.results[0]!.outputs!.prefix, "AzureRiskyUsers.RiskyUserHistory");

  await run(`!azure-risky-users-dismiss user_ids=${b!.id}`);
  const dismissed = (await run(`!azure-risky-user-get id=${b!.id}`)).results[0]!.raw as User;
  assert.equal(dismissed.riskState, "dismissed");
  assert.equal(dismissed.riskLevel, "none");

  await run(`!azure-risky-users-confirm-safe user_ids=${a!.id}`);
  const safe = (await run(`!azure-risky-user-get id=${a!.id}`)).results[0]!.raw as User;
  assert.equal(safe.riskState, "confirmedSafe");
  assert.equal(safe.riskLevel, "none");
});

test("403: a P1-only tenant is told about the P2 licence; a missing permission is named", async () => {
  const p1 = await appToken(emu, DEV_TENANT_P1.id);
  const licence = await fails("!azure-risky-users-list limit=1", p1);
  assert.equal(licence.code, "permission_denied");
  assert.match(
    licence.message,
    /not licensed for !azure-risky-users-list: Microsoft Entra ID P2 is required/,
  );
  // Detections only need P1.
  const detections = await run("!azure-risky-users-risk-detections-list limit=1", p1);
  assert.equal(detections.results.length, 1);

  const readUsersOnly = await tokenWithRoles(["IdentityRiskyUser.Read.All"]);
  const denied = await fails("!azure-risky-users-risk-detections-list", readUsersOnly);
  assert.equal(denied.code, "permission_denied");
  assert.match(denied.message, /lacks the IdentityRiskEvent\.Read\.All permission/);
  const write = await fails(`!azure-risky-users-dismiss user_ids=${everyone[0]!.id}`, readUsersOnly);
  assert.match(write.message, /lacks the IdentityRiskyUser\.ReadWrite\.All permission/);
  const expired = await fails("!azure-risky-users-list", "not-a-token");
  assert.equal(expired.code, "authentication_failed");
});

test("spec §5 cases against the emulator: list modes, get, detections", async () => {
  // §5.1 limit=20: one entry, 20 users, the synthetic raw object with three keys.
  const limited = await run("!azure-risky-users-list limit=20");
  assert.equal(limited.results.length, 1);
  assert.equal(data<User>(limited.results[0]!).length, 20);
  assert.deepEqual(Object.keys(limited.results[0]!.raw as object), [
    "value",
    "@odata.context",
    "@odata.nextLink",
  ]);
  // §5.2 page_size=3: Graph's body as raw, then the (true) token entry.
  const paged = await run("!azure-risky-users-list page_size=3");
  assert.equal(paged.results.length, 2);
  assert.deepEqual(Object.keys(paged.results[1]!.outputs!.data as object), ["RiskyUserListNextToken"]);
  assert.equal(paged.results[1]!.outputs!.key, undefined);
  // §5.3 next_token: exactly one GET, to that URL.
  const link = (paged.results[1]!.outputs!.data as { RiskyUserListNextToken: string }).RiskyUserListNextToken;
  const followed = await run(`!azure-risky-users-list next_token=${link} risk_level=low`);
  assert.deepEqual(
    followed.requests.map((r) => r.url),
    [link],
  );
  assert.deepEqual(
    data<User>(followed.results[0]!).map((u) => u.id),
    everyone.slice(3, 6).map((u) => u.id),
  );
  // §5.4 limit=6 in one page (Graph pages are up to 500): no token entry.
  const six = await run("!azure-risky-users-list limit=6");
  assert.equal(six.results.length, 1);
  assert.equal(data<User>(six.results[0]!).length, 6);
  // §5.5 order_by asc: the oldest first.
  const asc = await run('!azure-risky-users-list order_by="riskLastUpdatedDateTime asc" limit=10');
  assert.equal(data<User>(asc.results[0]!)[0]!.id, everyone.at(-1)!.id);
  // §5.6 updated_after="500 days ago" keeps everything (the data spans 90 days).
  const old = await run('!azure-risky-users-list updated_after="500 days ago" limit=10');
  assert.deepEqual(
    data<User>(old.results[0]!).map((u) => u.id),
    everyone.slice(0, 10).map((u) => u.id),
  );
  // §5.7 get: prefix, key, raw id.
  const got = await run(`!azure-risky-user-get id=${everyone[0]!.id}`);
  assert.equal(got.results[0]!.outputs!.prefix, "AzureRiskyUsers.RiskyUser");
  assert.equal(got.results[0]!.outputs!.key, "id");
  // §5.8 detections limit=20 page=1: Graph's body as raw.
  const detections = await run("!azure-risky-users-risk-detections-list limit=20 page=1");
  const raw = detections.results[0]!.raw as { value: { id: string }[] };
  assert.equal(raw.value.length, 20);
  assert.equal(detections.results[0]!.outputs!.prefix, "AzureRiskyUsers.RiskDetection");
  // §5.9 detection get.
  const detection = await run(`!azure-risky-users-risk-detection-get id=${raw.value[0]!.id}`);
  assert.equal((detection.results[0]!.raw as { id: string }).id, raw.value[0]!.id);
  // §5.11 a page past the end: the empty result with prefix, key and text.
  const empty = await run("!azure-risky-users-risk-detections-list limit=200 page=3");
  assert.deepEqual(empty.results[0]!.outputs, {
    prefix: "AzureRiskyUsers.RiskDetection",
    key: "id",
    data: [],
  });
});
