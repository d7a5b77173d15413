/**
 * Microsoft Defender for Cloud Apps' API on a tenant's portal host (`<tenant>.portal.cloudappsecurity.com`
 * `/api/v1/...`), minimal: alerts and activities list empty. App tokens need `investigation.read` (or
 * `investigation.manage`), user tokens the same scopes. Errors are `{"error": {"code", "message"}}`.
 */
import { ApiError, type ApiFamily, type ApiRoute, json, type Permission, serviceCode } from "./api.ts";

const INVESTIGATION_READ: Permission = {
  app: ["investigation.read", "investigation.manage"],
  delegated: ["investigation.read", "investigation.manage"],
};

const routes: ApiRoute[] = ["alerts", "activities", "incidents"].flatMap((collection) =>
  (["GET", "POST"] as const).map(
    (method): ApiRoute => ({
      method,
      pattern: new RegExp(`^/api/v1/${collection}/?$`),
      permission: INVESTIGATION_READ,
      handle: () => json({ total: 0, hasNext: false, max: 100, data: [] }),
    }),
  ),
);

export const cloudApps: ApiFamily = {
  routes,
  forbidden: (required) =>
    new ApiError(
      "forbidden",
      `The token lacks the permission ${required.join(" or ")} for this API.`,
      "Forbidden",
    ),
  render: (error) => {
    const code = serviceCode(error, {
      unauthenticated: "Unauthorized",
      forbidden: "Forbidden",
      notFound: "NotFound",
      badRequest: "BadRequest",
      methodNotAllowed: "MethodNotAllowed",
    });
    return { body: { error: { code, message: error.message } } };
  },
};
