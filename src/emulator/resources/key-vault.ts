/**
 * Azure Key Vault's data plane, minimal: any vault name (`<vault>.vault.azure.net`) lists empty secrets,
 * keys and certificates, and names nothing. Authorization is Azure RBAC (every app and managed identity
 * of the tenant); user tokens need `user_impersonation`. Errors are `{"error": {"code", "message"}}`, and
 * a 401 carries Key Vault's challenge naming the authority and resource to ask a token from.
 */
import { ApiError, type ApiFamily, type ApiRoute, json, RBAC, serviceCode } from "./api.ts";
import { LOGIN_HOSTS } from "./hosts.ts";

const COLLECTIONS = ["secrets", "keys", "certificates"] as const;
const NOT_FOUND: Readonly<Record<(typeof COLLECTIONS)[number], [string, string]>> = {
  secrets: ["SecretNotFound", "A secret"],
  keys: ["KeyNotFound", "A key"],
  certificates: ["CertificateNotFound", "A certificate"],
};

function requireApiVersion(url: URL): void {
  if (!url.searchParams.get("api-version")) {
    throw new ApiError("badRequest", "The 'api-version' query parameter is required.", "BadParameter");
  }
}

const routes: ApiRoute[] = COLLECTIONS.flatMap((collection): ApiRoute[] => [
  {
    method: "GET",
    pattern: new RegExp(`^/${collection}/?$`),
    permission: RBAC,
    handle: ({ ctx }) => {
      requireApiVersion(ctx.url);
      return json({ value: [], nextLink: null });
    },
  },
  {
    method: "GET",
    pattern: new RegExp(`^/${collection}/([^/]+)(?:/[^/]*)?/?$`),
    permission: RBAC,
    handle: ({ ctx, params, host }) => {
      requireApiVersion(ctx.url);
      const [code, what] = NOT_FOUND[collection];
      throw new ApiError(
        "notFound",
        `${what} with (name/id) ${params[0]} was not found in this key vault. If you recently deleted it you may be able to recover it using the correct recovery command. Vault: ${host}.`,
        code,
      );
    },
  },
]);

export const keyVault: ApiFamily = {
  routes,
  forbidden: (required, caller) =>
    new ApiError(
      "forbidden",
      `The user, group or application 'appid=${caller.clientId};oid=${caller.objectId}' does not have the permission ${required.join(" or ")} on this key vault.`,
      "Forbidden",
    ),
  render: (error, { tenantId, entry }) => {
    const code = serviceCode(error, {
      unauthenticated: "Unauthorized",
      forbidden: "Forbidden",
      notFound: "NotFound",
      badRequest: "BadParameter",
      methodNotAllowed: "MethodNotAllowed",
    });
    const headers: Record<string, string> = {};
    if (error.kind === "unauthenticated") {
      headers["www-authenticate"] =
        `Bearer authorization="${LOGIN_HOSTS[entry.cloud]}/${tenantId ?? "common"}", resource="${entry.audiences[0]}"`;
    }
    const body: Record<string, unknown> = { code, message: error.message };
    if (error.kind === "forbidden") body.innererror = { code: "AccessDenied" };
    return { body: { error: body }, headers };
  },
};
