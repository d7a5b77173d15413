/**
 * `GET /oidc/userinfo` (Microsoft Graph's OIDC UserInfo endpoint, which the discovery document names):
 * the signed-in user's basic claims for a delegated access token.
 */
import { InvalidTokenError, type RequestContext } from "../contracts.ts";
import { sendJson } from "../http-util.ts";
import type { IdentityContext } from "./context.ts";

export async function handleUserInfo(ic: IdentityContext, ctx: RequestContext): Promise<void> {
  const header = ctx.req.headers.authorization ?? "";
  const challenge = { "www-authenticate": 'Bearer realm="", error="invalid_token"' };
  if (!header.toLowerCase().startsWith("bearer ")) {
    sendJson(
      ctx.res,
      401,
      { error: { code: "InvalidAuthenticationToken", message: "Access token is empty." } },
      challenge,
    );
    return;
  }
  try {
    const claims = await ic.tokens.verifyAccessToken(header.slice(7).trim());
    if (claims.idtyp !== "user") {
      sendJson(
        ctx.res,
        401,
        {
          error: { code: "InvalidAuthenticationToken", message: "UserInfo needs a delegated (user) token." },
        },
        challenge,
      );
      return;
    }
    const user = ic.directory.user(claims.tid, claims.oid);
    sendJson(ctx.res, 200, {
      sub: claims.sub,
      name: user?.displayName,
      family_name: user?.surname,
      given_name: user?.givenName,
      email: user?.mail,
      picture: "https://graph.microsoft.com/v1.0/me/photo/$value",
    });
  } catch (error) {
    if (!(error instanceof InvalidTokenError)) throw error;
    sendJson(
      ctx.res,
      401,
      { error: { code: "InvalidAuthenticationToken", message: error.message } },
      challenge,
    );
  }
}
