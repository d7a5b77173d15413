/** `POST /{tenant}/oauth2/v2.0/token` and the v1 `/oauth2/token`: one handler per grant type, as a table. */
import type { RequestContext } from "../contracts.ts";
import { formBody, sendJson } from "../http-util.ts";
import { DEVICE_CODE_GRANT } from "./constants.ts";
import type { IdentityContext } from "./context.ts";
import { AadstsError } from "./errors.ts";
import { authorizationCodeGrant } from "./grants/authorization-code.ts";
import { clientCredentialsGrant } from "./grants/client-credentials.ts";
import { deviceCodeGrant } from "./grants/device-code.ts";
import type { GrantHandler } from "./grants/grant.ts";
import { passwordGrant } from "./grants/password.ts";
import { refreshTokenGrant } from "./grants/refresh-token.ts";
import type { TenantRef } from "./tenant.ts";

const GRANTS: Readonly<Record<string, GrantHandler>> = {
  client_credentials: clientCredentialsGrant,
  authorization_code: authorizationCodeGrant,
  refresh_token: refreshTokenGrant,
  [DEVICE_CODE_GRANT]: deviceCodeGrant,
  // The v1 endpoint's older name for the device code grant.
  device_code: deviceCodeGrant,
  password: passwordGrant,
};

export async function handleToken(
  ic: IdentityContext,
  ctx: RequestContext,
  tenant: TenantRef,
  version: 1 | 2,
): Promise<void> {
  const form = formBody(ctx);
  const grantType = form.get("grant_type");
  if (!grantType) throw new AadstsError(900144, { parameter: "grant_type" });
  const grant = Object.hasOwn(GRANTS, grantType) ? GRANTS[grantType] : undefined;
  if (!grant) throw new AadstsError(70003, { grantType });
  sendJson(ctx.res, 200, await grant({ ic, ctx, form, tenant, version }));
}
