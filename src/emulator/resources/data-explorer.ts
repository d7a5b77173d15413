/**
 * Azure Data Explorer (Kusto) clusters, minimal: any cluster (`<cluster>.<region>.kusto.windows.net`)
 * answers `/v1/rest/mgmt` and `/v1/rest/query` with one v1-format table. The audience is the cluster's own
 * URL. Authorization is the cluster's database roles, which the emulator grants to every app of the
 * tenant; user tokens need `user_impersonation`. Errors are `{"error": {"code", "message", "@type"}}`.
 */
import { ApiError, type ApiFamily, type ApiRoute, json, RBAC, readJson, serviceCode } from "./api.ts";

const routes: ApiRoute[] = (["mgmt", "query"] as const).map((kind) => ({
  method: "POST",
  pattern: new RegExp(`^/v1/rest/${kind}/?$`),
  permission: RBAC,
  handle: ({ ctx }) => {
    const body = readJson(ctx) as { csl?: unknown; db?: unknown } | undefined;
    const csl = typeof body?.csl === "string" && body.csl.trim() ? body.csl : ".show version";
    return json({
      Tables: [
        {
          TableName: "Table_0",
          Columns: [
            { ColumnName: "Command", DataType: "String", ColumnType: "string" },
            { ColumnName: "Database", DataType: "String", ColumnType: "string" },
          ],
          Rows: [[csl, typeof body?.db === "string" ? body.db : ""]],
        },
      ],
    });
  },
}));

const TYPES: Readonly<Record<string, string>> = {
  unauthenticated: "Kusto.DataNode.Exceptions.UnauthorizedDatabaseAccessException",
  forbidden: "Kusto.DataNode.Exceptions.UnauthorizedDatabaseAccessException",
  notFound: "Kusto.Common.Svc.Exceptions.EntityNotFoundException",
  badRequest: "Kusto.Data.Exceptions.SyntaxException",
  methodNotAllowed: "Kusto.Common.Svc.Exceptions.BadRequestException",
};

export const dataExplorer: ApiFamily = {
  routes,
  forbidden: (required, caller) =>
    new ApiError(
      "forbidden",
      `Principal 'aadapp=${caller.clientId};${caller.tenant.id}' is not authorized: the token lacks the delegated permission ${required.join(" or ")}.`,
      "Forbidden",
    ),
  render: (error) => {
    const code = serviceCode(error, {
      unauthenticated: "Unauthorized",
      forbidden: "Forbidden",
      notFound: "NotFound",
      badRequest: "BadRequest",
      methodNotAllowed: "BadRequest",
    });
    return {
      body: {
        error: { code, message: error.message, "@type": TYPES[error.kind], "@message": error.message },
      },
    };
  },
};
