import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { BOT_FRAMEWORK_TENANT } from "../../../src/emulator/resource-apis.ts";
import { subscriptionOf } from "../../../src/emulator/resources/arm.ts";
import type { RunningEmulator } from "../../../src/emulator/server.ts";
import { DEV_APP, DEV_TENANT, DEV_TENANT_P1, DEV_VM } from "../../../src/emulator/well-known.ts";
import { appToken, call, startResourceEmulator } from "./support.ts";

const ARM = "https://management.azure.com/.default";
const errorOf = (body: Record<string, unknown>) => body.error as { code: string; message: string };

describe("Azure Resource Manager paths", () => {
  let emu: RunningEmulator;
  let bearer: string;
  before(async () => {
    emu = await startResourceEmulator();
    bearer = await appToken(emu, { scope: ARM });
  });
  after(() => emu.close());

  const sub = `/management.azure.com/subscriptions/${DEV_VM.subscriptionId}`;
  const group = `${sub}/resourceGroups/${DEV_VM.resourceGroup}`;

  it("serves the tenant's subscription and resource group, lists under them empty, and 404s what is not there", async () => {
    const cases: Array<[string, number, string | undefined]> = [
      [`${sub}?api-version=2020-01-01`, 200, undefined],
      [`${sub}/resourcegroups?api-version=2021-04-01&$top=1`, 200, undefined],
      [`${group}?api-version=2021-04-01`, 200, undefined],
      [`${sub}/providers/Microsoft.Security/alerts?api-version=2022-01-01`, 200, undefined],
      [`${group}/providers/Microsoft.Network/azureFirewalls?api-version=2023-09-01`, 200, undefined],
      [
        `${group}/providers/Microsoft.Compute/virtualMachines/vm-x?api-version=2023-09-01`,
        404,
        "ResourceNotFound",
      ],
      [`${sub}/resourceGroups/rg-missing?api-version=2021-04-01`, 404, "ResourceGroupNotFound"],
      [
        "/management.azure.com/subscriptions/not-a-subscription?api-version=2020-01-01",
        404,
        "SubscriptionNotFound",
      ],
      [sub, 400, "MissingApiVersionParameter"],
    ];
    for (const [path, status, code] of cases) {
      const reply = await call(emu, path, bearer);
      assert.equal(reply.status, status, `${path}: ${reply.text}`);
      if (code) assert.equal(errorOf(reply.json()).code, code, path);
      else if (path.includes("/providers/")) assert.deepEqual(reply.json().value, []);
    }
    const groups = (await call(emu, `${sub}/resourcegroups?api-version=2021-04-01`, bearer)).json();
    assert.equal((groups.value as Array<{ name: string }>)[0]!.name, DEV_VM.resourceGroup);
  });

  it("refuses another tenant's subscription with AuthorizationFailed naming the action", async () => {
    const fabrikam = await appToken(emu, { scope: ARM }, DEV_TENANT_P1.id);
    const reply = await call(emu, `${sub}/resourcegroups?api-version=2021-04-01`, fabrikam);
    assert.equal(reply.status, 403);
    assert.equal(errorOf(reply.json()).code, "AuthorizationFailed");
    assert.match(errorOf(reply.json()).message, /Microsoft\.Resources\/subscriptions\/resourceGroups\/read/);
    const own = await call(emu, "/management.azure.com/subscriptions?api-version=2020-01-01", fabrikam);
    const [subscription] = own.json().value as Array<{ subscriptionId: string }>;
    assert.equal(subscription!.subscriptionId, subscriptionOf(DEV_TENANT_P1.id));
    assert.notEqual(subscription!.subscriptionId, DEV_VM.subscriptionId);
  });

  it("answers 401 with ARM's challenge (the host's cloud's sign-in host) for a token of another cloud", async () => {
    const china = await appToken(emu, { resource: "https://management.chinacloudapi.cn/" });
    const reply = await call(emu, "/management.azure.com/subscriptions?api-version=2020-01-01", china);
    assert.equal(reply.status, 401);
    assert.equal(errorOf(reply.json()).code, "InvalidAuthenticationTokenAudience");
    assert.match(
      reply.headers.get("www-authenticate")!,
      new RegExp(`authorization_uri=".*/${DEV_TENANT.id}"`),
    );
    const chinaHost = await call(
      emu,
      "/management.chinacloudapi.cn/subscriptions?api-version=2020-01-01",
      china,
    );
    assert.equal(chinaHost.status, 200, chinaHost.text);
    const publicAtChina = await call(
      emu,
      "/management.chinacloudapi.cn/subscriptions?api-version=2020-01-01",
      bearer,
    );
    assert.equal(publicAtChina.status, 401);
    assert.match(
      publicAtChina.headers.get("www-authenticate")!,
      new RegExp(`^Bearer authorization_uri="https://login\\.chinacloudapi\\.cn/${DEV_TENANT.id}"`),
    );
  });
});

describe("Bot Framework tokens", () => {
  let emu: RunningEmulator;
  before(async () => {
    emu = await startResourceEmulator();
  });
  after(() => emu.close());

  it("issues a bot's token from the botframework.com tenant for https://api.botframework.com (v2 and v1)", async () => {
    for (const target of [
      { scope: "https://api.botframework.com/.default" },
      { resource: "https://api.botframework.com" },
    ]) {
      const token = await appToken(emu, target, "botframework.com");
      const claims = JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString()) as Record<
        string,
        string
      >;
      assert.equal(claims.aud, "https://api.botframework.com");
      assert.equal(claims.tid, BOT_FRAMEWORK_TENANT.id);
      assert.equal(claims.iss, `https://sts.windows.net/${BOT_FRAMEWORK_TENANT.id}/`);
      assert.equal(claims.appid, DEV_APP.clientId);
    }
  });
});
