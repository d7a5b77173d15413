/**
 * Microsoft 365 Defender's API (`api.security.microsoft.com/api/...`), minimal: incidents list empty and
 * advanced hunting answers an empty result. App and user tokens need `Incident.Read.All` (or
 * `Incident.ReadWrite.All`), hunting `AdvancedHunting.Read.All`. Errors are OData's
 * `{"error": {"code", "message", "target"}}`, the target being the request's activity id.
 */
import {
  ApiError,
  type ApiFamily,
  type ApiRoute,
  json,
  type Permission,
  readJson,
  serviceCode,
} from "./api.ts";

const INCIDENT_READ: Permission = {
  app: ["Incident.Read.All", "Incident.ReadWrite.All"],
  delegated: ["Incident.Read.All", "Incident.ReadWrite.All"],
};
const HUNTING: Permission = { app: ["AdvancedHunting.Read.All"], delegated: ["AdvancedHunting.Read.All"] };

const routes: ApiRoute[] = [
  {
    method: "GET",
    pattern: /^\/api\/incidents\/?$/,
    permission: INCIDENT_READ,
    handle: () =>
      json({ "@odata.context": "https://api.security.microsoft.com/api/$metadata#Incidents", value: [] }),
  },
  {
    method: "GET",
    pattern: /^\/api\/incidents\/([^/]+)\/?$/,
    permission: INCIDENT_READ,
    handle: ({ params }) => {
      throw new ApiError("notFound", `Incident ${params[0]} was not found.`, "ResourceNotFound");
    },
  },
  {
    method: "POST",
    pattern: /^\/api\/advancedhunting\/run\/?$/,
    permission: HUNTING,
    handle: ({ ctx }) => {
      const body = readJson(ctx) as { Query?: unknown } | undefined;
      if (typeof body?.Query !== "string" || !body.Query.trim()) {
        throw new ApiError("badRequest", 'Send {"Query": "<KQL>"}.', "BadRequest");
      }
      return json({ Stats: {}, Schema: [], Results: [] });
    },
  },
];

export const microsoft365Defender: ApiFamily = {
  routes,
  forbidden: (required) =>
    new ApiError(
      "forbidden",
      `The application does not have any of the required application roles (${required.join(", ")}) to access the resource.`,
      "Forbidden",
    ),
  render: (error, { ctx }) => {
    const code = serviceCode(error, {
      unauthenticated: "Unauthorized",
      forbidden: "Forbidden",
      notFound: "ResourceNotFound",
      badRequest: "BadRequest",
      methodNotAllowed: "MethodNotAllowed",
    });
    return { body: { error: { code, message: error.message, target: ctx.requestId } } };
  },
};
