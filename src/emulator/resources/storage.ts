/**
 * Azure Storage's data plane, minimal: any account's blob, file and queue services list no containers,
 * shares or queues (`GET /?comp=list`, XML) and its table service lists no tables (`GET /Tables`, JSON).
 * Authorization is Azure RBAC (every app and managed identity of the tenant); user tokens need
 * `user_impersonation`. Errors are Storage's XML `<Error><Code/><Message/></Error>`, JSON for tables.
 */
import { ApiError, type ApiErrorKind, type ApiFamily, type ApiRoute, RBAC, serviceCode } from "./api.ts";

const LISTS: Readonly<Record<string, string>> = { blob: "Containers", file: "Shares", queue: "Queues" };

function service(host: string): string {
  return host.split(".").at(-4) ?? "";
}

const routes: ApiRoute[] = [
  {
    method: "GET",
    pattern: /^\/?$/,
    permission: RBAC,
    handle: ({ ctx, host }) => {
      const list = LISTS[service(host)];
      if (!list || ctx.url.searchParams.get("comp") !== "list") {
        throw new ApiError(
          "badRequest",
          "The requested URI does not represent any resource on the server.",
          "InvalidUri",
        );
      }
      return {
        status: 200,
        contentType: "application/xml",
        body: `<?xml version="1.0" encoding="utf-8"?><EnumerationResults ServiceEndpoint="https://${host}/"><${list} /><NextMarker /></EnumerationResults>`,
      };
    },
  },
  {
    method: "GET",
    pattern: /^\/Tables\/?$/,
    permission: RBAC,
    handle: ({ host }) => {
      if (service(host) !== "table") {
        throw new ApiError(
          "badRequest",
          "The requested URI does not represent any resource on the server.",
          "InvalidUri",
        );
      }
      return {
        status: 200,
        contentType: "application/json;odata=minimalmetadata;streaming=true;charset=utf-8",
        body: JSON.stringify({ "odata.metadata": `https://${host}/$metadata#Tables`, value: [] }),
      };
    },
  },
];

const CODES: Readonly<Record<ApiErrorKind, string>> = {
  unauthenticated: "InvalidAuthenticationInfo",
  forbidden: "AuthorizationPermissionMismatch",
  notFound: "ResourceNotFound",
  badRequest: "InvalidUri",
  methodNotAllowed: "UnsupportedHttpVerb",
};

function escapeXml(value: string): string {
  return value.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export const storage: ApiFamily = {
  routes,
  forbidden: (required) =>
    new ApiError(
      "forbidden",
      `This request is not authorized to perform this operation using this permission: the token lacks ${required.join(" or ")}.`,
    ),
  render: (error, { ctx, host, now }) => {
    const code = serviceCode(error, CODES);
    const message = `${error.message}\nRequestId:${ctx.requestId}\nTime:${new Date(now).toISOString()}`;
    const headers = { "x-ms-request-id": ctx.requestId, "x-ms-error-code": code };
    if (service(host) === "table") {
      return {
        contentType: "application/json;odata=minimalmetadata;streaming=true;charset=utf-8",
        headers,
        body: JSON.stringify({ "odata.error": { code, message: { lang: "en-US", value: message } } }),
      };
    }
    return {
      contentType: "application/xml",
      headers,
      body: `<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${escapeXml(message)}</Message></Error>`,
    };
  },
};
