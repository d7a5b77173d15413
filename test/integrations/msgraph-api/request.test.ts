/**
 * `msgraph-api-request` end to end: through `runLine` with an instance in a real SQLite store (client
 * credentials from the emulator, Graph on a Custom cloud aimed at it), and the pure pieces (paths per
 * version and cloud, body parsing, context shape). Paging follows @odata.nextLink up to `limit`; Graph's
 * refusals come back with Graph's message and what to check.
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
import {
  parseRequestBody,
  requestPath,
  responseOutputs,
  tableRows,
} from "../../../src/integrations/msgraph-api/commands.ts";
import { findIntegration } from "../../../src/integrations/registry.ts";
import { readContext, resolveInstance, saveInstance } from "../../../src/runtime/instances.ts";
import { runLine } from "../../../src/runtime/session.ts";
import { instanceCloud, resourceTarget } from "../../../src/runtime/targets.ts";
import { openStore } from "../../../src/store/open.ts";
import type { EntrakitStore } from "../../../src/store/store.ts";
import { startRiskyUsersEmulator } from "../azure-risky-users/emulator-support.ts";

let emu: RunningEmulator;
let dir: string;
let store: EntrakitStore;
const seen: string[] = [];

const params = (tenant: string) => ({
  authentication_type: "Client Credentials",
  client_id: DEV_APP.clientId,
  tenant_id: tenant,
  client_secret: DEV_APP.secret,
  azure_cloud: "Custom",
});

before(async () => {
  emu = await startRiskyUsersEmulator();
  dir = mkdtempSync(join(tmpdir(), "entrakit-msgraph-"));
  store = await openStore({ url: `sqlite:${join(dir, "store.db")}`, masterKey: randomBytes(32), env: {} });
  for (const [name, tenant] of [
    ["graph", DEV_TENANT.id],
    ["graph-p1", DEV_TENANT_P1.id],
  ] as const) {
    await saveInstance(
      store,
      resolveInstance({
        name,
        integration: "microsoft-graph-api",
        params: params(tenant),
        endpoints: { login: emu.url, graph: emu.url },
      }),
    );
  }
});
after(async () => {
  await store?.close();
  await emu?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

type Item = Record<string, unknown>;
const run = (line: string) => runLine(line, { store, progress: (message) => seen.push(message) });

test("paths: the version replaces the base's, on every cloud's Graph host", () => {
  assert.equal(requestPath("beta", "/users", "$top=5"), "/../beta/users?$top=5");
  assert.equal(requestPath("v1.0", "users/abc", "?$select=id"), "/../v1.0/users/abc?$select=id");
  const definition = findIntegration("msgraph-api").definition;
  const expected: Record<string, string> = {
    Worldwide: "https://graph.microsoft.com/beta/users",
    // GCC tenants use the worldwide Graph host (the cloud registry's choice, per Microsoft's national-cloud docs).
    "US GCC": "https://graph.microsoft.com/beta/users",
    "US GCC-High": "https://graph.microsoft.us/beta/users",
    DoD: "https://dod-graph.microsoft.us/beta/users",
    China: "https://microsoftgraph.chinacloudapi.cn/beta/users",
  };
  for (const [cloudName, url] of Object.entries(expected)) {
    const instance = resolveInstance({
      name: "x",
      integration: "microsoft-graph-api",
      params: { ...params(DEV_TENANT.id), azure_cloud: cloudName },
    });
    const target = resourceTarget(definition, instance, instanceCloud(instance));
    assert.equal(new URL(`${target.baseUrl}${requestPath("beta", "users", "")}`).href, url, cloudName);
    assert.equal(target.audience.scopes[0], `${new URL(url).origin}/.default`, cloudName);
  }
  assert.throws(() => requestPath("v1.0", "https://evil.example/users", ""), /not a whole URL/);
});

test("request_body: JSON parsed; anything else is a one-line usage error that never echoes the body", () => {
  assert.deepEqual(parseRequestBody('{"a": [1]}'), { a: [1] });
  assert.equal(parseRequestBody(undefined), undefined);
  assert.throws(
    () => parseRequestBody('{"password": "hunter2"'),
    (error: EntrakitError) =>
      error.code === "usage" &&
      /^Invalid request body - /.test(error.message) &&
      !error.message.includes("hunter2"),
  );
  assert.deepEqual(responseOutputs({ "@odata.context": "x", id: "1", a: 2 }), { id: "1", a: 2 });
  assert.deepEqual(responseOutputs({ "@odata.context": "x", value: [{ id: "1" }] }), [{ id: "1" }]);
  assert.deepEqual(tableRows(["a", 2]), [{ value: "a" }, { value: 2 }]);
  assert.deepEqual(tableRows(7), { value: 7 });
  assert.deepEqual(tableRows({ id: "1" }), { id: "1" });
});

test("GET a collection: one page as Graph returns it; the items go to MicrosoftGraph", async () => {
  const outcome = await run(
    "!msgraph-api-request resource=/identityProtection/riskyUsers odata=$top=5 using=graph",
  );
  const [result] = outcome.results;
  const users = result!.outputs!.data as Item[];
  assert.equal(users.length, 5);
  assert.equal(result!.outputs!.prefix, "MicrosoftGraph");
  assert.equal(result!.outputs!.key, undefined);
  assert.equal(typeof (result!.raw as Item)["@odata.nextLink"], "string");
  assert.ok(result!.readable.startsWith("### GET /v1.0/identityProtection/riskyUsers\n"));
  const context = await readContext(store, "graph");
  assert.deepEqual(
    (context.MicrosoftGraph as Item[]).map((user) => user.id),
    users.map((user) => user.id),
  );
});

test("limit follows nextLinks across pages: 12 distinct items from 5-item pages", async () => {
  seen.length = 0;
  const outcome = await run(
    "!msgraph-api-request resource=identityProtection/riskyUsers odata=$top=5 limit=12 using=graph",
  );
  const users = outcome.results[0]!.outputs!.data as Item[];
  assert.equal(users.length, 12);
  assert.equal(new Set(users.map((user) => user.id)).size, 12);
  assert.deepEqual(seen, ["Fetched 5 of 12 items…", "Fetched 10 of 12 items…"]);
  assert.equal(typeof (outcome.results[0]!.raw as Item)["@odata.nextLink"], "string");
});

test("beta, an object answer, populate_context=false", async () => {
  const first = await run("!msgraph-api-request resource=/users odata=$top=1 using=graph");
  const id = String((first.results[0]!.outputs!.data as Item[])[0]!.id);
  const outcome = await run(
    `!msgraph-api-request resource=/users/${id} api_version=beta populate_context=false using=graph`,
  );
  const [result] = outcome.results;
  assert.equal(result!.outputs, undefined);
  assert.equal((result!.raw as Item).id, id);
  assert.match(String((result!.raw as Item)["@odata.context"]), /\/beta\/\$metadata/);
  assert.ok(result!.readable.startsWith(`### GET /beta/users/${id}\n`));
});

test("POST with a JSON body that Graph answers 204: the reference's no-content line", async () => {
  const listed = await run(
    "!msgraph-api-request resource=/identityProtection/riskyUsers odata=$top=1 using=graph",
  );
  const id = String((listed.results[0]!.outputs!.data as Item[])[0]!.id);
  const outcome = await run(
    `!msgraph-api-request resource=/identityProtection/riskyUsers/dismiss http_method=POST request_body='{"userIds": ["${id}"]}' using=graph`,
  );
  assert.deepEqual(
    outcome.results.map((result) => result.readable),
    ["The API query ran successfully and returned no content."],
  );
  const after = await run(`!msgraph-api-request resource=/identityProtection/riskyUsers/${id} using=graph`);
  assert.equal((after.results[0]!.outputs!.data as Item).riskState, "dismissed");
});

test("errors: bad JSON body before any request, Graph's 400/404/405 with its message, 403 explained", async () => {
  await assert.rejects(
    run("!msgraph-api-request resource=/users http_method=POST request_body='{oops' using=graph"),
    (error: EntrakitError) => error.code === "usage" && /^Invalid request body - /.test(error.message),
  );
  await assert.rejects(
    run(
      `!msgraph-api-request resource=/identityProtection/riskyUsers odata="$filter=riskLevel eq 'extreme'" using=graph`,
    ),
    (error: EntrakitError) => {
      assert.equal(error.code, "usage");
      assert.match(
        error.message,
        /^Microsoft Graph answered GET \/v1\.0\/identityProtection\/riskyUsers with 400 BadRequest: .*extreme/,
      );
      assert.match(error.hint ?? "", /odata/);
      return true;
    },
  );
  await assert.rejects(
    run("!msgraph-api-request resource=/users/00000000-0000-0000-0000-000000000000 using=graph"),
    (error: EntrakitError) => error.code === "not_found" && /404/.test(error.message),
  );
  await assert.rejects(
    run("!msgraph-api-request resource=/users http_method=DELETE using=graph"),
    (error: EntrakitError) =>
      error.code === "usage" && /405/.test(error.message) && /http_method/.test(error.hint ?? ""),
  );
  await assert.rejects(
    run("!msgraph-api-request resource=/identityProtection/riskyUsers using=graph-p1"),
    (error: EntrakitError) => {
      assert.equal(error.code, "permission_denied");
      assert.match(error.message, /not licensed/);
      assert.match(error.hint ?? "", /!msgraph-api-auth-reset/);
      return true;
    },
  );
});

test("the instance's test command gets a Graph token", async () => {
  const outcome = await run("!msgraph-api-test using=graph");
  assert.deepEqual(
    outcome.results.map((result) => result.readable),
    ["✅ Success!"],
  );
});
