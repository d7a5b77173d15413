/**
 * Azure DevOps, minimal: every organization (`dev.azure.com/{org}`) has one project. Authorization is the
 * organization's membership, which the emulator grants to every app of the tenant; user tokens need
 * `user_impersonation`. Errors are Azure DevOps' exception shape (`message`, `typeKey`, `errorCode`).
 */
import { createHash } from "node:crypto";
import { ApiError, type ApiFamily, type ApiRoute, json, RBAC } from "./api.ts";

function projectId(organization: string): string {
  const hex = createHash("sha256").update(`devops:${organization.toLowerCase()}`).digest("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

const routes: ApiRoute[] = [
  {
    method: "GET",
    pattern: /^\/([^/_][^/]*)\/_apis\/projects\/?$/,
    permission: RBAC,
    handle: ({ params, host }) => {
      const organization = params[0]!;
      const id = projectId(organization);
      return json({
        count: 1,
        value: [
          {
            id,
            name: "entrakit",
            url: `https://${host}/${organization}/_apis/projects/${id}`,
            state: "wellFormed",
            revision: 1,
            visibility: "private",
            lastUpdateTime: "2024-01-01T00:00:00Z",
          },
        ],
      });
    },
  },
];

const TYPE_KEYS: Readonly<Record<string, string>> = {
  unauthenticated: "UnauthorizedRequestException",
  forbidden: "UnauthorizedRequestException",
  notFound: "ProjectDoesNotExistWithNameException",
  badRequest: "InvalidArgumentValueException",
  methodNotAllowed: "InvalidArgumentValueException",
};

export const devOps: ApiFamily = {
  routes,
  forbidden: (required) =>
    new ApiError(
      "forbidden",
      `TF400813: The user is not authorized to access this resource: the token lacks the delegated permission ${required.join(" or ")}.`,
    ),
  render: (error) => ({
    body: {
      $id: "1",
      innerException: null,
      message: error.message,
      typeName: `Microsoft.TeamFoundation.Framework.Server.${TYPE_KEYS[error.kind]}`,
      typeKey: TYPE_KEYS[error.kind],
      errorCode: 0,
      eventId: 3000,
    },
  }),
};
