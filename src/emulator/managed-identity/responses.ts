/**
 * Response bodies of the managed identity endpoints, shaped like Azure's: IMDS (and Arc, Cloud Shell)
 * report every number as a string; App Service 2019-08-01 has no `expires_in`; errors are OAuth-style
 * `{error, error_description}` on IMDS and `{statusCode, message, correlationId}` on App Service.
 */
import type { IssuedToken, ManagedIdentityRecord } from "../contracts.ts";
import type { SourceSpec } from "./sources.ts";

export interface TokenBodyInput {
  issued: IssuedToken;
  identity: ManagedIdentityRecord;
  /** The resource exactly as the caller asked for it (Azure echoes it back unchanged). */
  resource: string;
  now: number;
}

export function tokenBody(source: SourceSpec, input: TokenBodyInput): Record<string, string> {
  const { issued, identity, resource, now } = input;
  const expiresOn = Math.floor(issued.expiresAt / 1000);
  const notBefore =
    typeof issued.claims.nbf === "number" ? issued.claims.nbf : Math.floor(issued.issuedAt / 1000);
  if (source.responseShape === "app-service") {
    return {
      access_token: issued.token,
      expires_on: String(expiresOn),
      resource,
      token_type: "Bearer",
      client_id: identity.clientId,
    };
  }
  const expiresIn = String(Math.max(0, expiresOn - Math.floor(now / 1000)));
  const body: Record<string, string> = {
    access_token: issued.token,
    refresh_token: "",
    client_id: identity.clientId,
    expires_in: expiresIn,
    expires_on: String(expiresOn),
    ext_expires_in: expiresIn,
    not_before: String(notBefore),
    resource,
    token_type: "Bearer",
  };
  // Arc echoes the user-assigned selector so clients can check it was honoured (msal-node 7 does).
  if (source.name === "azure-arc" && identity.kind === "user") {
    body.object_id = identity.objectId;
    if (identity.resourceId) body.msi_res_id = identity.resourceId;
  }
  return body;
}

export interface ErrorInput {
  status: number;
  /** OAuth error code (IMDS family). */
  error: string;
  description: string;
  correlationId: string;
}

export function errorBody(source: SourceSpec, input: ErrorInput): Record<string, unknown> {
  if (source.errorShape === "app-service") {
    return { statusCode: input.status, message: input.description, correlationId: input.correlationId };
  }
  return { error: input.error, error_description: input.description };
}
