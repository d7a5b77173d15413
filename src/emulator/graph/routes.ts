/**
 * The Graph routes as a table: method, path pattern (relative to `/v1.0` or `/beta`), what the caller
 * needs (permissions, delegated roles, licence), whether Identity Protection's own throttling applies,
 * and the handler. Handlers return the answer; the module renders it and any GraphError they throw.
 */
import type { EmulatorCore, RequestContext } from "../contracts.ts";
import { entity, list, metadataBase } from "./answers.ts";
import type { Caller, Requirement } from "./auth.ts";
import { Collection } from "./collection.ts";
import type { RiskAction, TenantDataset } from "./dataset.ts";
import { organizationResource, USER, userResource } from "./directory-entities.ts";
import { RISK_DETECTION, RISKY_USER, RISKY_USER_HISTORY_ITEM } from "./entities.ts";
import { badRequest, GraphError } from "./graph-error.ts";
import { DIRECTORY_DENIED, WORKLOAD_ROUTES } from "./workload-routes.ts";

export interface GraphRuntime {
  core: EmulatorCore;
  dataset(tenantId: string): TenantDataset;
  lastPageQuirk(): boolean;
}

export type Answer = { status: 200; body: unknown } | { status: 204 };

export interface RouteInput {
  ctx: RequestContext;
  caller: Caller;
  params: string[];
  /** `v1.0` or `beta`. */
  version: string;
  runtime: GraphRuntime;
}

export interface Route {
  method: "GET" | "POST";
  pattern: RegExp;
  requirement: Requirement;
  identityProtection: boolean;
  handle(input: RouteInput): Answer;
}

/** Directory roles a delegated caller needs, per Identity Protection's docs. */
const READER_ROLES = [
  "Global Administrator",
  "Global Reader",
  "Security Operator",
  "Security Reader",
  "Security Administrator",
];
const WRITER_ROLES = ["Global Administrator", "Security Administrator"];

const RISKY_USER_READ: Requirement = {
  permissions: ["IdentityRiskyUser.Read.All", "IdentityRiskyUser.ReadWrite.All"],
  delegatedRoles: READER_ROLES,
  licence: "p2",
};
const RISKY_USER_WRITE: Requirement = {
  permissions: ["IdentityRiskyUser.ReadWrite.All"],
  delegatedRoles: WRITER_ROLES,
  licence: "p2",
};
const RISK_EVENT_READ: Requirement = {
  permissions: ["IdentityRiskEvent.Read.All", "IdentityRiskEvent.ReadWrite.All"],
  delegatedRoles: READER_ROLES,
  licence: "p1",
};
const USER_READ_ALL = [
  "User.Read.All",
  "User.ReadWrite.All",
  "User.ReadBasic.All",
  "Directory.Read.All",
  "Directory.ReadWrite.All",
];
const USERS_READ: Requirement = { permissions: USER_READ_ALL, denied: DIRECTORY_DENIED };
const ME_READ: Requirement = {
  permissions: ["User.Read", "User.ReadWrite", ...USER_READ_ALL],
  delegatedOnly: true,
};
const ORGANIZATION_READ: Requirement = {
  permissions: [
    "Organization.Read.All",
    "Organization.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
    "User.Read",
  ],
};

/** An entity key segment: `/{id}` or OData's `('{id}')`. */
const KEY = "(?:/([^/()]+)|\\('([^']+)'\\))";
const RISKY_USERS = "identityProtection/riskyUsers";

function pattern(source: string): RegExp {
  return new RegExp(`^${source}/?$`);
}

export const ROUTES: Route[] = [
  ...WORKLOAD_ROUTES,
  {
    method: "GET",
    pattern: pattern(RISKY_USERS),
    requirement: RISKY_USER_READ,
    identityProtection: true,
    handle: ({ ctx, caller, version, runtime }) =>
      list(ctx, runtime, version, RISKY_USERS, RISKY_USER, runtime.dataset(caller.tenant.id).riskyUsers, {
        quirk: runtime.lastPageQuirk(),
      }),
  },
  ...(["dismiss", "confirmCompromised", "confirmSafe"] as const).map(
    (action): Route => ({
      method: "POST",
      pattern: pattern(`${RISKY_USERS}/(?:microsoft\\.graph\\.)?${action}`),
      requirement: RISKY_USER_WRITE,
      identityProtection: true,
      handle: ({ ctx, caller, runtime }) => act(ctx, caller, runtime, action),
    }),
  ),
  {
    method: "GET",
    pattern: pattern(`${RISKY_USERS}${KEY}`),
    requirement: RISKY_USER_READ,
    identityProtection: true,
    handle: ({ ctx, caller, params, version, runtime }) => {
      const user = runtime.dataset(caller.tenant.id).riskyUsers.get(params[0]!);
      if (!user) throw riskyUserNotFound(params[0]!);
      return entity(ctx, runtime, version, RISKY_USERS, RISKY_USER, user);
    },
  },
  {
    method: "GET",
    pattern: pattern(`${RISKY_USERS}${KEY}/history`),
    requirement: RISKY_USER_READ,
    identityProtection: true,
    handle: ({ ctx, caller, params, version, runtime }) => {
      const items = runtime.dataset(caller.tenant.id).history(params[0]!);
      if (!items) throw riskyUserNotFound(params[0]!);
      const path = `${RISKY_USERS}('${params[0]}')/history`;
      // History reads oldest first, as the risk evolved.
      return list(ctx, runtime, version, path, RISKY_USER_HISTORY_ITEM, new Collection(items), {
        quirk: false,
        defaultOrder: { property: "riskLastUpdatedDateTime", descending: false },
      });
    },
  },
  {
    method: "GET",
    pattern: pattern(`${RISKY_USERS}${KEY}/history${KEY}`),
    requirement: RISKY_USER_READ,
    identityProtection: true,
    handle: ({ ctx, caller, params, version, runtime }) => {
      const items = runtime.dataset(caller.tenant.id).history(params[0]!);
      if (!items) throw riskyUserNotFound(params[0]!);
      const item = items.find((candidate) => candidate.id.toLowerCase() === params[1]!.toLowerCase());
      if (!item) {
        throw new GraphError(
          404,
          "ResourceNotFound",
          `The history item '${params[1]}' of risky user '${params[0]}' was not found.`,
        );
      }
      const path = `${RISKY_USERS}('${params[0]}')/history`;
      return entity(ctx, runtime, version, path, RISKY_USER_HISTORY_ITEM, item);
    },
  },
  {
    method: "GET",
    pattern: pattern("identityProtection/riskDetections"),
    requirement: RISK_EVENT_READ,
    identityProtection: true,
    handle: ({ ctx, caller, version, runtime }) =>
      list(
        ctx,
        runtime,
        version,
        "identityProtection/riskDetections",
        RISK_DETECTION,
        runtime.dataset(caller.tenant.id).detections,
        {
          quirk: false,
        },
      ),
  },
  {
    method: "GET",
    pattern: pattern(`identityProtection/riskDetections${KEY}`),
    requirement: RISK_EVENT_READ,
    identityProtection: true,
    handle: ({ ctx, caller, params, version, runtime }) => {
      const detection = runtime.dataset(caller.tenant.id).detections.get(params[0]!);
      if (!detection) {
        throw new GraphError(404, "ResourceNotFound", `The risk detection '${params[0]}' was not found.`);
      }
      return entity(ctx, runtime, version, "identityProtection/riskDetections", RISK_DETECTION, detection);
    },
  },
  {
    method: "GET",
    pattern: pattern("users"),
    requirement: USERS_READ,
    identityProtection: false,
    handle: ({ ctx, caller, version, runtime }) => {
      const users = runtime.core.directory.users(caller.tenant.id).map(userResource);
      return list(ctx, runtime, version, "users", USER, new Collection(users), { quirk: false });
    },
  },
  {
    method: "GET",
    pattern: pattern(`users${KEY}`),
    requirement: USERS_READ,
    identityProtection: false,
    handle: ({ ctx, caller, params, version, runtime }) => {
      const user = runtime.core.directory.user(caller.tenant.id, params[0]!);
      if (!user) throw directoryObjectNotFound(params[0]!);
      return entity(ctx, runtime, version, "users", USER, userResource(user));
    },
  },
  {
    method: "GET",
    pattern: pattern("me"),
    requirement: ME_READ,
    identityProtection: false,
    handle: ({ ctx, caller, version, runtime }) => {
      if (!caller.user) throw directoryObjectNotFound(caller.objectId);
      return entity(ctx, runtime, version, "users", USER, userResource(caller.user));
    },
  },
  {
    method: "GET",
    pattern: pattern("organization"),
    requirement: ORGANIZATION_READ,
    identityProtection: false,
    handle: ({ caller, version, runtime }) => ({
      status: 200,
      body: {
        "@odata.context": `${metadataBase(runtime, version)}#organization`,
        value: [organizationResource(caller.tenant, "2024-01-01T00:00:00Z")],
      },
    }),
  },
];

function riskyUserNotFound(id: string): GraphError {
  return new GraphError(
    404,
    "ResourceNotFound",
    `The risky user '${id}' was not found. Users who were never at risk are not in riskyUsers.`,
  );
}

function directoryObjectNotFound(id: string): GraphError {
  return new GraphError(
    404,
    "Request_ResourceNotFound",
    `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`,
  );
}

function act(ctx: RequestContext, caller: Caller, runtime: GraphRuntime, action: RiskAction): Answer {
  let body: unknown;
  try {
    body = ctx.body.length === 0 ? undefined : JSON.parse(ctx.body.toString("utf8"));
  } catch {
    throw badRequest('The request body is not valid JSON; send {"userIds": ["<user object id>", ...]}.');
  }
  const userIds = body && typeof body === "object" ? (body as { userIds?: unknown }).userIds : undefined;
  runtime.dataset(caller.tenant.id).apply(action, userIds, caller.objectId, runtime.core.clock.now());
  return { status: 204 };
}
