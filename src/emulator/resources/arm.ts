/**
 * Azure Resource Manager, minimal: each tenant owns one subscription with one resource group; any other
 * resource path under them answers ARM's way — a collection (`.../providers/Ns/type`) is an empty list,
 * a single resource is `ResourceNotFound`. Authorization is Azure RBAC: every app and managed identity of
 * the tenant may act on its subscription, another tenant's subscription is `AuthorizationFailed` naming
 * the action. Errors are `{"error": {"code", "message"}}`.
 */
import { createHash } from "node:crypto";
import type { TenantRecord } from "../contracts.ts";
import { DEV_TENANT, DEV_VM } from "../well-known.ts";
import { ApiError, type ApiFamily, type ApiRoute, json, RBAC, type RouteInput, serviceCode } from "./api.ts";
import { LOGIN_HOSTS } from "./hosts.ts";

const RESOURCE_GROUP = DEV_VM.resourceGroup;
const LOCATION = "eastus";

/** The subscription a tenant owns: the dev VM's for the dev tenant, a stable GUID from the tenant id otherwise. */
export function subscriptionOf(tenantId: string): string {
  if (tenantId.toLowerCase() === DEV_TENANT.id) return DEV_VM.subscriptionId;
  const hex = createHash("sha256").update(`subscription:${tenantId.toLowerCase()}`).digest("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function subscriptionResource(tenant: TenantRecord): Record<string, unknown> {
  const id = subscriptionOf(tenant.id);
  return {
    id: `/subscriptions/${id}`,
    authorizationSource: "RoleBased",
    managedByTenants: [],
    subscriptionId: id,
    tenantId: tenant.id,
    displayName: `${tenant.displayName} subscription`,
    state: "Enabled",
    subscriptionPolicies: {
      locationPlacementId: "Public_2014-09-01",
      quotaId: "PayAsYouGo_2014-09-01",
      spendingLimit: "Off",
    },
  };
}

function resourceGroupResource(subscriptionId: string): Record<string, unknown> {
  return {
    id: `/subscriptions/${subscriptionId}/resourceGroups/${RESOURCE_GROUP}`,
    name: RESOURCE_GROUP,
    type: "Microsoft.Resources/resourceGroups",
    location: LOCATION,
    properties: { provisioningState: "Succeeded" },
  };
}

function requireApiVersion(url: URL): void {
  if (!url.searchParams.get("api-version")) {
    throw new ApiError(
      "badRequest",
      "The api-version query parameter (?api-version=) is required for all requests.",
      "MissingApiVersionParameter",
    );
  }
}

/** The caller's own subscription, or the error ARM gives for another tenant's or an unknown one. */
function ownSubscription(input: RouteInput, subscriptionId: string, action: string, path: string): string {
  const { caller, core } = input;
  const own = subscriptionOf(caller.tenant.id);
  if (subscriptionId.toLowerCase() === own) return own;
  const owner = core.directory
    .tenants()
    .find((tenant) => subscriptionOf(tenant.id) === subscriptionId.toLowerCase());
  if (owner) {
    throw new ApiError(
      "forbidden",
      `The client '${caller.objectId}' with object id '${caller.objectId}' does not have authorization to perform action '${action}' over scope '${path}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
      "AuthorizationFailed",
    );
  }
  throw new ApiError(
    "notFound",
    `The subscription '${subscriptionId}' could not be found.`,
    "SubscriptionNotFound",
  );
}

function ownResourceGroup(name: string): void {
  if (name.toLowerCase() !== RESOURCE_GROUP) {
    throw new ApiError("notFound", `Resource group '${name}' could not be found.`, "ResourceGroupNotFound");
  }
}

const SUB = "/subscriptions/([^/]+)";
const RG = "/resource[gG]roups/([^/]+)";

const routes: ApiRoute[] = [
  {
    method: "GET",
    pattern: /^\/subscriptions\/?$/,
    permission: RBAC,
    handle: ({ ctx, caller }) => {
      requireApiVersion(ctx.url);
      return json({ value: [subscriptionResource(caller.tenant)], count: { type: "Total", value: 1 } });
    },
  },
  {
    method: "GET",
    pattern: new RegExp(`^${SUB}/?$`),
    permission: RBAC,
    handle: (input) => {
      const { ctx, caller, params } = input;
      requireApiVersion(ctx.url);
      ownSubscription(
        input,
        params[0]!,
        "Microsoft.Resources/subscriptions/read",
        `/subscriptions/${params[0]}`,
      );
      return json(subscriptionResource(caller.tenant));
    },
  },
  {
    method: "GET",
    pattern: new RegExp(`^${SUB}/resource[gG]roups/?$`),
    permission: RBAC,
    handle: (input) => {
      const { ctx, params } = input;
      requireApiVersion(ctx.url);
      const sub = ownSubscription(
        input,
        params[0]!,
        "Microsoft.Resources/subscriptions/resourceGroups/read",
        `/subscriptions/${params[0]}`,
      );
      return json({ value: [resourceGroupResource(sub)] });
    },
  },
  {
    method: "GET",
    pattern: new RegExp(`^${SUB}${RG}/?$`),
    permission: RBAC,
    handle: (input) => {
      const { ctx, params } = input;
      requireApiVersion(ctx.url);
      const sub = ownSubscription(
        input,
        params[0]!,
        "Microsoft.Resources/subscriptions/resourceGroups/read",
        `/subscriptions/${params[0]}/resourceGroups/${params[1]}`,
      );
      ownResourceGroup(params[1]!);
      return json(resourceGroupResource(sub));
    },
  },
  {
    method: "GET",
    pattern: new RegExp(`^${SUB}(?:${RG})?(/providers/.+?)/?$`),
    permission: RBAC,
    handle: (input) => {
      const { ctx, params } = input;
      requireApiVersion(ctx.url);
      const [subscriptionId, group, providerPath] =
        params.length === 3 ? params : [params[0]!, undefined, params[1]!];
      const { action, collection, type, name } = describeProviderPath(providerPath!);
      const scope = group
        ? `/subscriptions/${subscriptionId}/resourceGroups/${group}`
        : `/subscriptions/${subscriptionId}`;
      ownSubscription(input, subscriptionId!, action, `${scope}${providerPath}`);
      if (group) ownResourceGroup(group);
      if (collection) return json({ value: [] });
      throw new ApiError(
        "notFound",
        `The Resource '${type}/${name}' under resource group '${group ?? "(none)"}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
        "ResourceNotFound",
      );
    },
  },
];

/**
 * `/providers/Ns/type/name/.../providers/Ns2/type2` → the innermost provider's resource type, whether the
 * path names a collection (odd segments after the namespace) and the RBAC action a read needs.
 */
function describeProviderPath(path: string): {
  action: string;
  collection: boolean;
  type: string;
  name: string;
} {
  const segments = path.split("/").filter(Boolean);
  const last = segments.lastIndexOf("providers");
  const namespace = segments[last + 1] ?? "";
  const rest = segments.slice(last + 2);
  const types = rest.filter((_, index) => index % 2 === 0);
  const type = [namespace, ...types].join("/");
  return {
    action: `${type}/read`,
    collection: rest.length % 2 === 1,
    type,
    name: rest.length % 2 === 0 ? (rest[rest.length - 1] ?? "") : "",
  };
}

export const arm: ApiFamily = {
  routes,
  forbidden: (required, caller, path) =>
    new ApiError(
      "forbidden",
      `The client '${caller.objectId}' with object id '${caller.objectId}' does not have authorization to perform this action over scope '${path}': the token lacks the delegated permission ${required.join(" or ")}.`,
      "AuthorizationFailed",
    ),
  render: (error, { ctx, entry, tenantId }) => {
    const code = error.wrongAudience
      ? "InvalidAuthenticationTokenAudience"
      : serviceCode(error, {
          unauthenticated: "InvalidAuthenticationToken",
          forbidden: "AuthorizationFailed",
          notFound: "ResourceNotFound",
          badRequest: "BadRequest",
          methodNotAllowed: "HttpMethodNotAllowed",
        });
    const headers: Record<string, string> = { "x-ms-request-id": ctx.requestId };
    if (error.kind === "unauthenticated") {
      headers["www-authenticate"] =
        `Bearer authorization_uri="${LOGIN_HOSTS[entry.cloud]}/${tenantId ?? "common"}", error="invalid_token", error_description="The authentication failed because of missing 'Authorization' header or an invalid token."`;
    }
    return { body: { error: { code, message: error.message } }, headers };
  },
};
