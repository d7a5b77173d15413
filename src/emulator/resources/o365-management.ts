/**
 * The Office 365 Management Activity API's subscriptions list (`/api/v1.0/{tenant}/activity/feed/
 * subscriptions/list`): no content type is subscribed yet, so the list is empty. The tenant in the path
 * must be the token's. App and user tokens need `ActivityFeed.Read` (or `ActivityFeed.ReadDlp`). Errors
 * are `{"error": {"code": "AF.....", "message"}}`.
 */
import { ApiError, type ApiFamily, type ApiRoute, json, type Permission, serviceCode } from "./api.ts";

const ACTIVITY_FEED: Permission = {
  app: ["ActivityFeed.Read", "ActivityFeed.ReadDlp"],
  delegated: ["ActivityFeed.Read", "ActivityFeed.ReadDlp"],
};

const routes: ApiRoute[] = [
  {
    method: "GET",
    pattern: /^\/api\/v1\.0\/([^/]+)\/activity\/feed\/subscriptions\/list\/?$/,
    permission: ACTIVITY_FEED,
    handle: ({ caller, params, core }) => {
      const tenant = core.directory.tenant(params[0]!);
      if (tenant?.id !== caller.tenant.id) {
        throw new ApiError(
          "forbidden",
          `The tenant '${params[0]}' in the URL is not the tenant of the access token (${caller.tenant.id}).`,
          "AF10001",
        );
      }
      return json([]);
    },
  },
];

export const o365Management: ApiFamily = {
  routes,
  forbidden: (required, caller) =>
    new ApiError(
      "forbidden",
      `The permission set (${[...caller.permissions].join(",")}) sent in the request does not include the expected permission ${required.join(" or ")}.`,
      "AF10001",
    ),
  render: (error) => {
    const code = serviceCode(error, {
      unauthenticated: "AF10002",
      forbidden: "AF10001",
      notFound: "AF20001",
      badRequest: "AF20000",
      methodNotAllowed: "AF20000",
    });
    return { body: { error: { code, message: error.message } } };
  },
};
