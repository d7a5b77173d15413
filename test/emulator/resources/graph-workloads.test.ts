import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { RunningEmulator } from "../../../src/emulator/server.ts";
import { ARM_APP_ID, DEV_ADMIN, DEV_TENANT, DEV_USER } from "../../../src/emulator/well-known.ts";
import { graph, startGraphEmulator, token } from "../graph/support.ts";

/** Each workload route, a permission Microsoft documents for it (its 403 names it) and the 403 code. */
const DIRECTORY = "Authorization_RequestDenied";
const ROUTES = [
  { path: "/v1.0/users", role: "User.Read.All", code: DIRECTORY },
  { path: "/v1.0/groups", role: "Group.Read.All", code: DIRECTORY },
  { path: "/v1.0/teams", role: "Team.ReadBasic.All", code: DIRECTORY },
  { path: `/v1.0/users/${DEV_USER.id}/messages`, role: "Mail.Read", code: "Forbidden" },
  { path: "/beta/security/alerts_v2", role: "SecurityAlert.Read.All", code: "Forbidden" },
  {
    path: "/v1.0/deviceManagement/managedDevices",
    role: "DeviceManagementManagedDevices.Read.All",
    code: "Forbidden",
  },
  { path: "/v1.0/applications", role: "Application.Read.All", code: DIRECTORY },
  { path: "/v1.0/servicePrincipals", role: "Application.Read.All", code: DIRECTORY },
];

type Item = Record<string, unknown>;
const items = (body: Record<string, unknown>) => body.value as Item[];
const errorOf = (body: Record<string, unknown>) => body.error as { code: string; message: string };

describe("Graph workloads behind the connectivity tests", () => {
  let emu: RunningEmulator;
  before(async () => {
    emu = await startGraphEmulator();
  });
  after(() => emu.close());

  for (const route of ROUTES) {
    it(`${route.path}: 200 with ${route.role}, 403 naming it without, 401 for another audience`, async () => {
      const allowed = await graph(emu, `${route.path}?$top=2`, await token(emu, { roles: [route.role] }));
      assert.equal(allowed.status, 200, allowed.text);
      assert.ok(items(allowed.body).length > 0, "the workload has objects");
      assert.match(String(allowed.body["@odata.context"]), /\$metadata#/);

      const denied = await graph(emu, route.path, await token(emu, { roles: ["Organization.Read.All"] }));
      assert.equal(denied.status, 403, denied.text);
      assert.equal(errorOf(denied.body).code, route.code);
      assert.ok(errorOf(denied.body).message.includes(route.role), errorOf(denied.body).message);
      assert.ok((denied.body.error as { innerError?: unknown }).innerError, "Graph's error shape");

      const foreign = await graph(emu, route.path, await token(emu, { resource: ARM_APP_ID }));
      assert.equal(foreign.status, 401);
      assert.equal(errorOf(foreign.body).code, "InvalidAuthenticationToken");
    });
  }

  it("lists the groups that are teams with Teams' resourceProvisioningOptions filter, as /teams does", async () => {
    const bearer = await token(emu, { roles: ["Group.Read.All", "Team.ReadBasic.All"] });
    const all = items((await graph(emu, "/v1.0/groups", bearer)).body);
    const filter = encodeURIComponent("resourceProvisioningOptions/Any(x:x eq 'Team')");
    const teamGroups = items((await graph(emu, `/beta/groups?$filter=${filter}`, bearer)).body);
    const teams = items((await graph(emu, "/v1.0/teams", bearer)).body);
    assert.ok(teamGroups.length > 0 && teamGroups.length < all.length);
    for (const group of teamGroups) assert.deepEqual(group.resourceProvisioningOptions, ["Team"]);
    assert.deepEqual(
      teams.map((team) => team.id),
      teamGroups.map((group) => group.id),
    );
  });

  it("serves the signed-in user's mail at /me/messages to delegated Mail.Read, newest first", async () => {
    const user = emu.core.directory.user(DEV_TENANT.id, DEV_USER.id)!;
    const mine = await graph(emu, "/v1.0/me/messages", await token(emu, { user, scopes: ["Mail.Read"] }));
    assert.equal(mine.status, 200, mine.text);
    const received = items(mine.body).map((message) => String(message.receivedDateTime));
    assert.deepEqual(received, [...received].sort().reverse());
    const toAlice = items(mine.body)[0]!.toRecipients as Array<{ emailAddress: { address: string } }>;
    assert.equal(toAlice[0]!.emailAddress.address, DEV_USER.userPrincipalName);

    const noScope = await graph(emu, "/v1.0/me/messages", await token(emu, { user, scopes: ["User.Read"] }));
    assert.equal(noScope.status, 403);
    assert.match(errorOf(noScope.body).message, /Mail\.Read/);

    const appOnly = await graph(emu, "/v1.0/me/messages", await token(emu, { roles: ["Mail.Read"] }));
    assert.equal(appOnly.status, 400, "/me needs a delegated token");
  });

  it("answers ErrorInvalidUser for another mailbox that does not exist, and denies a user reading another's mail", async () => {
    const unknown = await graph(
      emu,
      "/v1.0/users/nobody@contoso.onmicrosoft.com/messages",
      await token(emu, { roles: ["Mail.Read"] }),
    );
    assert.equal(unknown.status, 404);
    assert.equal(errorOf(unknown.body).code, "ErrorInvalidUser");
    const admin = emu.core.directory.user(DEV_TENANT.id, DEV_ADMIN.id)!;
    const others = await graph(
      emu,
      `/v1.0/users/${DEV_USER.id}/messages`,
      await token(emu, { user: admin, scopes: ["Mail.Read"] }),
    );
    assert.equal(others.status, 403);
  });

  it("lists the tenant's own app registrations and a service principal for each Microsoft API", async () => {
    const bearer = await token(emu, { roles: ["Application.Read.All"] });
    const apps = items((await graph(emu, "/v1.0/applications", bearer)).body);
    assert.ok(apps.some((app) => app.displayName === "entrakit dev app"));
    const principals = (await graph(emu, "/v1.0/servicePrincipals?$top=100", bearer)).body;
    const appIds = items(principals).map((principal) => principal.appId);
    assert.ok(appIds.includes("00000003-0000-0000-c000-000000000000"), "Microsoft Graph");
    assert.ok(appIds.includes(ARM_APP_ID), "Azure Resource Manager");
  });
});
