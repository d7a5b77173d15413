/**
 * The Log Analytics query API (`/v1/workspaces/{id}/query`, GET with `query=` or POST `{"query"}`): any
 * workspace answers any query with one tiny `PrimaryResult` table. App tokens need `Data.Read`, as do
 * user tokens. Errors are `{"error": {"message", "code", "correlationId"}}`.
 */
import type { RequestContext } from "../contracts.ts";
import {
  type ApiAnswer,
  ApiError,
  type ApiFamily,
  type ApiRoute,
  type Permission,
  readJson,
  serviceCode,
} from "./api.ts";

const DATA_READ: Permission = { app: ["Data.Read"], delegated: ["Data.Read"] };

function queryText(ctx: RequestContext): string {
  if (ctx.req.method === "POST") {
    const body = readJson(ctx) as { query?: unknown } | undefined;
    return typeof body?.query === "string" ? body.query : "";
  }
  return ctx.url.searchParams.get("query") ?? "";
}

function answer(ctx: RequestContext, now: number): ApiAnswer {
  if (!queryText(ctx).trim()) {
    throw new ApiError(
      "badRequest",
      "The request had some invalid properties: the query is missing.",
      "BadArgumentError",
    );
  }
  return {
    status: 200,
    body: {
      tables: [
        {
          name: "PrimaryResult",
          columns: [
            { name: "TimeGenerated", type: "datetime" },
            { name: "DataType", type: "string" },
            { name: "Quantity", type: "real" },
          ],
          rows: [[new Date(now).toISOString(), "Usage", 0.01]],
        },
      ],
    },
  };
}

const QUERY = /^\/v1\/workspaces\/([^/]+)\/query\/?$/;

const routes: ApiRoute[] = (["GET", "POST"] as const).map((method) => ({
  method,
  pattern: QUERY,
  permission: DATA_READ,
  handle: ({ ctx, core }) => answer(ctx, core.clock.now()),
}));

export const logAnalytics: ApiFamily = {
  routes,
  forbidden: (required) =>
    new ApiError(
      "forbidden",
      `The provided credentials have insufficient access to perform the requested operation: the token needs the permission ${required.join(" or ")}.`,
      "InsufficientAccessError",
    ),
  render: (error, { ctx }) => {
    const code = serviceCode(error, {
      unauthenticated: "InvalidTokenError",
      forbidden: "InsufficientAccessError",
      notFound: "PathNotFoundError",
      badRequest: "BadArgumentError",
      methodNotAllowed: "MethodNotAllowed",
    });
    return { body: { error: { message: error.message, code, correlationId: ctx.requestId } } };
  },
};
