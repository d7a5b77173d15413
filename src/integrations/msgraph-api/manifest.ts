/**
 * Microsoft Graph API: the reference's one generic command, `msgraph-api-request`, with its argument
 * names and defaults, plus `limit` to follow `@odata.nextLink` through a collection. The auth (every flow,
 * every cloud) comes from the `microsoft-graph-api` profile. Data only; the command code is in commands.ts.
 */
import type { CommandSpec } from "../types.ts";

export const PROFILE_ID = "microsoft-graph-api";
export const PREFIX = "msgraph-api";
/** The reference's outputs prefix (no key field: each run replaces it). */
export const CONTEXT_ROOT = "MicrosoftGraph";
export const API_VERSIONS = ["v1.0", "beta"] as const;
export const HTTP_METHODS = ["GET", "POST", "PATCH", "PUT", "DELETE"] as const;
export const NO_CONTENT = "The API query ran successfully and returned no content.";
/** The largest `limit` entrakit walks through nextLinks. */
export const MAX_LIMIT = 100_000;

export const COMMANDS: readonly CommandSpec[] = [
  {
    name: "msgraph-api-request",
    description: "Run a Microsoft Graph API query.",
    // It can be either; the War Room marks it as one that may change the tenant.
    effect: "write",
    args: [
      {
        name: "resource",
        description: "The resource in Microsoft Graph to refer to, e.g. /users or /groups/{id}/members.",
        required: true,
      },
      {
        name: "http_method",
        description: "The HTTP method used for the request to Microsoft Graph.",
        default: "GET",
        predefined: HTTP_METHODS,
      },
      {
        name: "api_version",
        description: "The version of the Microsoft Graph API.",
        default: "v1.0",
        predefined: API_VERSIONS,
      },
      { name: "request_body", description: "The request body, as JSON (for POST, PATCH and PUT)." },
      {
        name: "odata",
        description: "OData system query options, e.g. $filter=startswith(givenName, 'J')&$top=5.",
      },
      {
        name: "populate_context",
        description: "Whether to put the response in the context (MicrosoftGraph).",
        type: "boolean",
        default: "true",
      },
      {
        name: "limit",
        description:
          "For a GET of a collection: follow @odata.nextLink until this many items are read (without it, one page as Graph returns it).",
        type: "integer",
        range: { min: 1, max: MAX_LIMIT },
      },
    ],
    // The context gets the response's `value` list, or the response object without `@odata.context`.
    outputs: [{ prefix: CONTEXT_ROOT, paths: [] }],
  },
];
