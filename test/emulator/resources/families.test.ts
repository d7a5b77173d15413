import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { RunningEmulator } from "../../../src/emulator/server.ts";
import { DEV_APP, DEV_TENANT, DEV_TENANT_P1, DEV_USER, DEV_VM } from "../../../src/emulator/well-known.ts";
import { appToken, call, type Reply, startResourceEmulator } from "./support.ts";

/** The error message in each service's own shape. */
const jsonError = (reply: Reply) => (reply.json().error as { message: string }).message;
const devOpsError = (reply: Reply) => reply.json().message as string;
const xmlError = (reply: Reply) => /<Message>([^<]*)<\/Message>/.exec(reply.text)?.[1] ?? "";

interface FamilyCase {
  name: string;
  method?: "GET" | "POST";
  path: string;
  body?: unknown;
  /** v2 scope and v1 resource of the right audience. */
  scope: string;
  resource: string;
  ok(reply: Reply): void;
  /** A token for another API, which must be refused. */
  wrongScope: string;
  /** `app`: an app token from the P1 tenant, where nothing is consented; `user`: a user token without `user_impersonation`. */
  lacking: "app" | "user";
  missing: string;
  message(reply: Reply): string;
  /** The same call on a national-cloud host, with that cloud's resource. */
  national?: { path: string; resource: string };
}

const FAMILIES: FamilyCase[] = [
  {
    name: "Azure Resource Manager",
    path: "/management.azure.com/subscriptions?api-version=2020-01-01",
    scope: "https://management.azure.com/.default",
    resource: "https://management.azure.com/",
    ok: (reply) => {
      const [subscription] = reply.json().value as Array<Record<string, string>>;
      assert.equal(subscription!.subscriptionId, DEV_VM.subscriptionId);
      assert.equal(subscription!.tenantId, DEV_TENANT.id);
    },
    wrongScope: "https://vault.azure.net/.default",
    lacking: "user",
    missing: "user_impersonation",
    message: jsonError,
    national: {
      path: "/management.usgovcloudapi.net/subscriptions?api-version=2020-01-01",
      resource: "https://management.usgovcloudapi.net/",
    },
  },
  {
    name: "Azure Key Vault",
    path: "/entrakit-dev.vault.azure.net/secrets?api-version=7.4",
    scope: "https://vault.azure.net/.default",
    resource: "https://vault.azure.net",
    ok: (reply) => assert.deepEqual(reply.json().value, []),
    wrongScope: "https://management.azure.com/.default",
    lacking: "user",
    missing: "user_impersonation",
    message: jsonError,
    national: {
      path: "/entrakit-dev.vault.usgovcloudapi.net/secrets?api-version=7.4",
      resource: "https://vault.usgovcloudapi.net",
    },
  },
  {
    name: "Log Analytics",
    path: `/api.loganalytics.io/v1/workspaces/ws-1/query?query=${encodeURIComponent("Usage | take 1")}`,
    scope: "https://api.loganalytics.io/.default",
    resource: "https://api.loganalytics.io",
    ok: (reply) => {
      const [table] = reply.json().tables as Array<{ name: string; rows: unknown[] }>;
      assert.equal(table!.name, "PrimaryResult");
      assert.equal(table!.rows.length, 1);
    },
    wrongScope: "https://management.azure.com/.default",
    lacking: "app",
    missing: "Data.Read",
    message: jsonError,
    national: {
      path: `/api.loganalytics.us/v1/workspaces/ws-1/query?query=Usage`,
      resource: "https://api.loganalytics.us",
    },
  },
  {
    name: "Office 365 Management Activity",
    path: `/manage.office.com/api/v1.0/${DEV_TENANT.id}/activity/feed/subscriptions/list`,
    scope: "https://manage.office.com/.default",
    resource: "https://manage.office.com",
    ok: (reply) => assert.deepEqual(JSON.parse(reply.text), []),
    wrongScope: "https://graph.microsoft.com/.default",
    lacking: "app",
    missing: "ActivityFeed.Read",
    message: jsonError,
    national: {
      path: `/manage.office365.us/api/v1.0/${DEV_TENANT.id}/activity/feed/subscriptions/list`,
      resource: "https://manage.office365.us",
    },
  },
  {
    name: "Azure Data Explorer",
    method: "POST",
    path: "/entrakit.westus.kusto.windows.net/v1/rest/mgmt",
    body: { db: "Security", csl: ".show databases" },
    scope: "https://entrakit.westus.kusto.windows.net/.default",
    resource: "https://entrakit.westus.kusto.windows.net",
    ok: (reply) => {
      const [table] = reply.json().Tables as Array<{ Rows: unknown[][] }>;
      assert.deepEqual(table!.Rows, [[".show databases", "Security"]]);
    },
    // Another cluster's token is another audience.
    wrongScope: "https://other.westus.kusto.windows.net/.default",
    lacking: "user",
    missing: "user_impersonation",
    message: jsonError,
    national: {
      path: "/entrakit.usgovvirginia.kusto.usgovcloudapi.net/v1/rest/mgmt",
      resource: "https://entrakit.usgovvirginia.kusto.usgovcloudapi.net",
    },
  },
  {
    name: "Azure DevOps",
    path: "/dev.azure.com/contoso/_apis/projects?api-version=7.0",
    scope: "499b84ac-1321-427f-aa17-267ca6975798/.default",
    resource: "499b84ac-1321-427f-aa17-267ca6975798",
    ok: (reply) => assert.equal(reply.json().count, 1),
    wrongScope: "https://management.azure.com/.default",
    lacking: "user",
    missing: "user_impersonation",
    message: devOpsError,
  },
  {
    name: "Defender for Cloud Apps",
    path: "/contoso.portal.cloudappsecurity.com/api/v1/alerts/",
    scope: "05a65629-4c1b-48c1-a78b-804c4abdd4af/.default",
    resource: "05a65629-4c1b-48c1-a78b-804c4abdd4af",
    ok: (reply) => assert.deepEqual(reply.json().data, []),
    wrongScope: "https://api.securitycenter.microsoft.com/.default",
    lacking: "app",
    missing: "investigation.read",
    message: jsonError,
  },
  {
    name: "Microsoft 365 Defender",
    path: "/api.security.microsoft.com/api/incidents?$top=1",
    scope: "https://security.microsoft.com/mtp/.default",
    resource: "https://api.security.microsoft.com",
    ok: (reply) => assert.deepEqual(reply.json().value, []),
    wrongScope: "https://api.securitycenter.microsoft.com/.default",
    lacking: "app",
    missing: "Incident.Read.All",
    message: jsonError,
  },
  {
    name: "Azure Storage (blob)",
    path: "/entrakitdev.blob.core.windows.net/?comp=list",
    scope: "https://storage.azure.com/.default",
    resource: "https://storage.azure.com/",
    ok: (reply) => assert.match(reply.text, /<EnumerationResults [^>]*><Containers \/>/),
    wrongScope: "https://management.azure.com/.default",
    lacking: "user",
    missing: "user_impersonation",
    message: xmlError,
  },
];

describe("resource APIs: audience- and permission-checked endpoints", () => {
  let emu: RunningEmulator;
  before(async () => {
    emu = await startResourceEmulator();
  });
  after(() => emu.close());

  /** A user token for the right audience whose `scp` lacks `user_impersonation`. */
  async function userTokenWithout(family: FamilyCase): Promise<string> {
    const resolved = emu.core.directory.resourceApi(family.resource)!;
    const issued = await emu.core.tokens.issueAccessToken({
      tenantId: DEV_TENANT.id,
      resource: resolved,
      clientId: DEV_APP.clientId,
      subject: { kind: "user", user: emu.core.directory.user(DEV_TENANT.id, DEV_USER.id)! },
      scopes: ["openid"],
      version: 1,
      audience: family.resource,
    });
    return issued.token;
  }

  for (const family of FAMILIES) {
    describe(family.name, () => {
      const send = (bearer: string | undefined, path = family.path) =>
        call(emu, path, bearer, { method: family.method ?? "GET", body: family.body });

      it("answers a v2 (scope) and a v1 (resource) token for its audience", async () => {
        for (const target of [{ scope: family.scope }, { resource: family.resource }]) {
          const reply = await send(await appToken(emu, target));
          assert.equal(reply.status, 200, `${JSON.stringify(target)}: ${reply.text}`);
          family.ok(reply);
        }
      });

      it("answers 401 in its own error shape for no token, a forged token and another API's token", async () => {
        const good = await appToken(emu, { scope: family.scope });
        const [header, payload, signature] = good.split(".");
        const claims = JSON.parse(Buffer.from(payload!, "base64url").toString());
        const forged = `${header}.${Buffer.from(JSON.stringify({ ...claims, roles: ["x"] })).toString("base64url")}.${signature}`;
        const other = await appToken(emu, { scope: family.wrongScope });
        for (const [bearer, expected] of [
          [undefined, /no bearer token/],
          [forged, /signature is invalid/],
          [other, /audience .* is not valid for/],
        ] as const) {
          const reply = await send(bearer);
          assert.equal(reply.status, 401, reply.text);
          assert.match(family.message(reply), expected);
          assert.equal(reply.text.includes(good), false, "a token is never echoed");
        }
      });

      it("answers 403 naming the missing permission", async () => {
        const bearer =
          family.lacking === "app"
            ? await appToken(emu, { scope: family.scope }, DEV_TENANT_P1.id)
            : await userTokenWithout(family);
        const reply = await send(bearer);
        assert.equal(reply.status, 403, reply.text);
        assert.ok(family.message(reply).includes(family.missing), family.message(reply));
      });

      if (family.national) {
        const national = family.national;
        it("serves its national-cloud host with that cloud's audience only", async () => {
          const own = await send(await appToken(emu, { resource: national.resource }), national.path);
          assert.equal(own.status, 200, own.text);
          const publicToken = await send(await appToken(emu, { scope: family.scope }), national.path);
          assert.equal(publicToken.status, 401, publicToken.text);
          const nationalAtPublic = await send(await appToken(emu, { resource: national.resource }));
          assert.equal(nationalAtPublic.status, 401, nationalAtPublic.text);
        });
      }
    });
  }
});
