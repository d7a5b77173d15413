/**
 * Graph routes for the workloads the integrations' connectivity tests call: groups (with the Teams filter
 * `resourceProvisioningOptions/Any(x:x eq 'Team')`), teams, mail (`/me/messages`, `/users/{id}/messages`),
 * security alerts v2, Intune managed devices, applications and service principals. Permissions are the
 * application and delegated permissions Microsoft's reference pages list for each List call; workloads
 * whose real 403 names the permissions (security, Intune, Exchange) name them here too.
 */

import { list } from "./answers.ts";
import type { Denial, Requirement } from "./auth.ts";
import { Collection } from "./collection.ts";
import { GraphError } from "./graph-error.ts";
import type { Route } from "./routes.ts";
import {
  ALERT_V2,
  APPLICATION,
  alertsOf,
  applicationsOf,
  GROUP,
  groupsOf,
  MANAGED_DEVICE,
  MESSAGE,
  managedDevicesOf,
  messagesOf,
  SERVICE_PRINCIPAL,
  servicePrincipalsOf,
  TEAM,
  teamsOf,
} from "./workload-entities.ts";

const DIRECTORY_READ = ["Directory.Read.All", "Directory.ReadWrite.All"];

/** Security and Exchange word it this way: the permissions required, then those the token has. */
const MISSING_PERMISSIONS: Denial = {
  code: "Forbidden",
  message: (caller, permissions) => {
    const kind = caller.delegated ? "scope" : "role";
    const had = caller.delegated ? "Scopes" : "Roles";
    return `Missing ${kind} permissions on the request. API requires one of '${permissions.join(", ")}'. ${had} on the request '${[...caller.permissions].join(",")}'.`;
  },
};

const INTUNE_DENIED: Denial = {
  code: "Forbidden",
  message: (_caller, permissions) =>
    `Application is not authorized to perform this operation. Application must have one of the following scopes: ${permissions.join(", ")}.`,
};

/** Directory reads keep Graph's code and wording and add the permissions, so the fix is obvious. */
export const DIRECTORY_DENIED: Denial = {
  code: "Authorization_RequestDenied",
  message: (_caller, permissions) =>
    `Insufficient privileges to complete the operation. Requires one of: ${permissions.join(", ")}.`,
};

const GROUPS_READ: Requirement = {
  permissions: ["GroupMember.Read.All", "Group.Read.All", "Group.ReadWrite.All", ...DIRECTORY_READ],
  denied: DIRECTORY_DENIED,
};
const TEAMS_READ: Requirement = {
  permissions: [
    "Team.ReadBasic.All",
    "TeamSettings.Read.All",
    "TeamSettings.ReadWrite.All",
    ...DIRECTORY_READ,
  ],
  denied: DIRECTORY_DENIED,
};
const MAIL_READ_APP = ["Mail.ReadBasic.All", "Mail.Read", "Mail.ReadWrite"];
const MY_MAIL_READ: Requirement = {
  permissions: ["Mail.ReadBasic", "Mail.Read", "Mail.ReadWrite"],
  delegatedOnly: true,
  denied: MISSING_PERMISSIONS,
};
const USER_MAIL_READ: Requirement = {
  permissions: [...MAIL_READ_APP, "Mail.ReadBasic"],
  denied: MISSING_PERMISSIONS,
};
const ALERTS_READ: Requirement = {
  permissions: ["SecurityAlert.Read.All", "SecurityAlert.ReadWrite.All"],
  denied: MISSING_PERMISSIONS,
};
const DEVICES_READ: Requirement = {
  permissions: ["DeviceManagementManagedDevices.Read.All", "DeviceManagementManagedDevices.ReadWrite.All"],
  denied: INTUNE_DENIED,
};
const APPLICATIONS_READ: Requirement = {
  permissions: ["Application.Read.All", "Application.ReadWrite.All", ...DIRECTORY_READ],
  denied: DIRECTORY_DENIED,
};

/** Teams' documented way to list the groups that are teams; the filter grammar has no lambdas. */
const TEAM_FILTER = /^\s*resourceProvisioningOptions\/any\(\s*(\w+)\s*:\s*\1\s+eq\s+'Team'\s*\)\s*$/i;

function pattern(source: string): RegExp {
  return new RegExp(`^${source}/?$`);
}

export const WORKLOAD_ROUTES: Route[] = [
  {
    method: "GET",
    pattern: pattern("groups"),
    requirement: GROUPS_READ,
    identityProtection: false,
    handle: ({ ctx, caller, version, runtime }) => {
      let groups = groupsOf(caller.tenant);
      const filter = ctx.url.searchParams.get("$filter") ?? ctx.url.searchParams.get("filter");
      if (filter && TEAM_FILTER.test(filter)) {
        groups = groups.filter((group) => (group.resourceProvisioningOptions as string[]).includes("Team"));
        ctx.url.searchParams.delete("$filter");
        ctx.url.searchParams.delete("filter");
      }
      return list(ctx, runtime, version, "groups", GROUP, new Collection(groups), { quirk: false });
    },
  },
  {
    method: "GET",
    pattern: pattern("teams"),
    requirement: TEAMS_READ,
    identityProtection: false,
    handle: ({ ctx, caller, version, runtime }) =>
      list(ctx, runtime, version, "teams", TEAM, new Collection(teamsOf(caller.tenant)), { quirk: false }),
  },
  {
    method: "GET",
    pattern: pattern("me/messages"),
    requirement: MY_MAIL_READ,
    identityProtection: false,
    handle: ({ ctx, caller, version, runtime }) => {
      if (!caller.user) throw invalidUser(caller.objectId);
      return list(ctx, runtime, version, "me/messages", MESSAGE, new Collection(messagesOf(caller.user)), {
        quirk: false,
        defaultOrder: { property: "receivedDateTime", descending: true },
      });
    },
  },
  {
    method: "GET",
    pattern: pattern("users/([^/()]+)/messages"),
    requirement: USER_MAIL_READ,
    identityProtection: false,
    handle: ({ ctx, caller, params, version, runtime }) => {
      const user = runtime.core.directory.user(caller.tenant.id, params[0]!);
      if (!user) throw invalidUser(params[0]!);
      if (caller.delegated && caller.user?.id !== user.id && !caller.permissions.has("Mail.Read.Shared")) {
        throw new GraphError(403, "ErrorAccessDenied", "Access is denied. Check credentials and try again.");
      }
      const path = `users('${params[0]}')/messages`;
      return list(ctx, runtime, version, path, MESSAGE, new Collection(messagesOf(user)), {
        quirk: false,
        defaultOrder: { property: "receivedDateTime", descending: true },
      });
    },
  },
  {
    method: "GET",
    pattern: pattern("security/alerts_v2"),
    requirement: ALERTS_READ,
    identityProtection: false,
    handle: ({ ctx, caller, version, runtime }) =>
      list(ctx, runtime, version, "security/alerts_v2", ALERT_V2, new Collection(alertsOf(caller.tenant)), {
        quirk: false,
        defaultOrder: { property: "createdDateTime", descending: true },
      }),
  },
  {
    method: "GET",
    pattern: pattern("deviceManagement/managedDevices"),
    requirement: DEVICES_READ,
    identityProtection: false,
    handle: ({ ctx, caller, version, runtime }) => {
      const devices = managedDevicesOf(runtime.core.directory.users(caller.tenant.id));
      return list(
        ctx,
        runtime,
        version,
        "deviceManagement/managedDevices",
        MANAGED_DEVICE,
        new Collection(devices),
        {
          quirk: false,
        },
      );
    },
  },
  {
    method: "GET",
    pattern: pattern("applications"),
    requirement: APPLICATIONS_READ,
    identityProtection: false,
    handle: ({ ctx, caller, version, runtime }) => {
      const apps = applicationsOf(caller.tenant, runtime.core.directory.apps?.() ?? []);
      return list(ctx, runtime, version, "applications", APPLICATION, new Collection(apps), { quirk: false });
    },
  },
  {
    method: "GET",
    pattern: pattern("servicePrincipals"),
    requirement: APPLICATIONS_READ,
    identityProtection: false,
    handle: ({ ctx, caller, version, runtime }) => {
      const directory = runtime.core.directory;
      const tenantId = caller.tenant.id.toLowerCase();
      const apps = (directory.apps?.() ?? []).filter(
        (app) =>
          app.homeTenantId.toLowerCase() === tenantId ||
          directory.consents(tenantId, app.clientId).length > 0,
      );
      const principals = servicePrincipalsOf(caller.tenant, apps, directory.resourceApis?.() ?? []);
      return list(ctx, runtime, version, "servicePrincipals", SERVICE_PRINCIPAL, new Collection(principals), {
        quirk: false,
      });
    },
  },
];

function invalidUser(id: string): GraphError {
  return new GraphError(404, "ErrorInvalidUser", `The requested user '${id}' is invalid.`);
}
