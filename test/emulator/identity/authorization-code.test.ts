import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { createRemoteJWKSet, jwtVerify } from "jose";
import { type RunningEmulator, startEmulator } from "../../../src/emulator/server.ts";
import { DEV_ADMIN, DEV_APP, DEV_TENANT, DEV_TENANT_P1, DEV_USER } from "../../../src/emulator/well-known.ts";
import { assertEntraError, getPage, hiddenField, postForm, postPage } from "./helpers.ts";

const REDIRECT = "http://localhost:53117/callback";
const WEB_APP = "7d8e9f0a-1b2c-4d3e-8f4a-5b6c7d8e9f0a";
const WEB_SECRET = "web-app-secret-value";

function pkce() {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
}

describe("authorization code flow", () => {
  let emu: RunningEmulator;
  let jwks: ReturnType<typeof createRemoteJWKSet>;
  before(async () => {
    emu = await startEmulator({
      config: {
        apps: [
          {
            clientId: WEB_APP,
            displayName: "Web app needing consent",
            homeTenant: DEV_TENANT.id,
            secrets: [{ value: WEB_SECRET }],
            redirectUris: ["https://app.example.com/auth"],
            delegatedScopes: [{ resource: "https://graph.microsoft.com", value: "User.Read" }],
          },
        ],
      },
    });
    jwks = createRemoteJWKSet(new URL(`${emu.url}/common/discovery/v2.0/keys`));
  });
  after(() => emu.close());

  const authorizeUrl = (params: Record<string, string>, tenant: string = DEV_TENANT.id) =>
    `${emu.url}/${tenant}/oauth2/v2.0/authorize?${new URLSearchParams({
      client_id: DEV_APP.clientId,
      response_type: "code",
      redirect_uri: REDIRECT,
      scope: "openid profile offline_access https://graph.microsoft.com/User.Read",
      state: "st-123",
      ...params,
    })}`;

  /** GET the page, sign in, answer consent if asked; returns the final response. */
  async function signInThrough(
    url: string,
    user: { userPrincipalName: string; password: string },
    consent?: "accept" | "cancel" | "org",
  ) {
    const first = await getPage(url);
    assert.equal(first.status, 200, first.html);
    assert.match(first.html, /<form method="post"/);
    const action = new URL(url).pathname;
    let res = await postPage(`${emu.url}${action}`, {
      interaction: hiddenField(first.html, "interaction"),
      login: user.userPrincipalName,
      passwd: user.password,
      action: "signin",
    });
    if (res.status === 200 && res.html.includes('value="accept"')) {
      assert.ok(consent, "a consent page was shown but the test did not expect one");
      const fields: Record<string, string> = {
        interaction: hiddenField(res.html, "interaction"),
        action: consent === "cancel" ? "cancel" : "accept",
      };
      if (consent === "org") fields.consent_org = "1";
      res = await postPage(`${emu.url}${action}`, fields);
    } else {
      assert.equal(consent, undefined, "expected a consent page");
    }
    return res;
  }

  async function codeFor(params: Record<string, string> = {}, user = DEV_USER) {
    const res = await signInThrough(authorizeUrl(params), user);
    assert.equal(res.status, 302, res.html);
    const location = new URL(res.location!);
    return location;
  }

  const tokenUrl = (tenant: string = DEV_TENANT.id) => `${emu.url}/${tenant}/oauth2/v2.0/token`;
  const redeem = (
    code: string,
    verifier: string | undefined,
    extra: Record<string, string> = {},
    tenant?: string,
  ) =>
    postForm(tokenUrl(tenant), {
      grant_type: "authorization_code",
      client_id: DEV_APP.clientId,
      code,
      redirect_uri: REDIRECT,
      scope: "openid profile offline_access https://graph.microsoft.com/User.Read",
      ...(verifier ? { code_verifier: verifier } : {}),
      client_info: "1",
      ...extra,
    });

  it("signs in, redirects with code and state, and redeems the code with PKCE for access, ID and refresh tokens", async () => {
    const { verifier, challenge } = pkce();
    const location = await codeFor({
      code_challenge: challenge,
      code_challenge_method: "S256",
      nonce: "n-1",
    });
    assert.equal(`${location.origin}${location.pathname}`, REDIRECT);
    assert.equal(location.searchParams.get("state"), "st-123");
    const code = location.searchParams.get("code")!;
    assert.ok(code.length > 50);
    const res = await redeem(code, verifier);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.token_type, "Bearer");
    assert.match(String(res.body.scope), /https:\/\/graph\.microsoft\.com\/User\.Read/);
    assert.match(String(res.body.scope), /offline_access/);
    assert.ok(res.body.refresh_token);
    const at = await jwtVerify(String(res.body.access_token), jwks, {
      audience: "https://graph.microsoft.com",
    });
    assert.equal(at.payload.idtyp, "user");
    assert.equal(at.payload.oid, DEV_USER.id);
    assert.equal(at.payload.upn, DEV_USER.userPrincipalName);
    assert.equal(at.payload.name, DEV_USER.displayName);
    assert.equal(at.payload.scp, "User.Read");
    const id = await jwtVerify(String(res.body.id_token), jwks, {
      audience: DEV_APP.clientId,
      issuer: `${emu.url}/${DEV_TENANT.id}/v2.0`,
    });
    assert.equal(id.payload.nonce, "n-1");
    assert.equal(id.payload.preferred_username, DEV_USER.userPrincipalName);
    const clientInfo = JSON.parse(Buffer.from(String(res.body.client_info), "base64url").toString());
    assert.deepEqual(clientInfo, { uid: DEV_USER.id, utid: DEV_TENANT.id });
  });

  it("AADSTS54005 when a code is redeemed twice", async () => {
    const { verifier, challenge } = pkce();
    const code = (
      await codeFor({ code_challenge: challenge, code_challenge_method: "S256" })
    ).searchParams.get("code")!;
    assert.equal((await redeem(code, verifier)).status, 200);
    assertEntraError(await redeem(code, verifier), 54005, "invalid_grant", 400);
  });

  it("AADSTS501481 for a wrong PKCE verifier", async () => {
    const { challenge } = pkce();
    const code = (await codeFor({ code_challenge: challenge })).searchParams.get("code")!;
    assertEntraError(await redeem(code, pkce().verifier), 501481, "invalid_grant", 400);
  });

  it("AADSTS70008 when the code has expired (clock advanced past ten minutes)", async () => {
    const code = (await codeFor()).searchParams.get("code")!;
    emu.admin.advanceClock(11 * 60 * 1000);
    try {
      assertEntraError(await redeem(code, undefined), 70008, "invalid_grant", 400);
    } finally {
      emu.admin.advanceClock(-11 * 60 * 1000);
    }
  });

  it("AADSTS50011 when the token request's redirect_uri differs", async () => {
    const code = (await codeFor()).searchParams.get("code")!;
    assertEntraError(
      await redeem(code, undefined, { redirect_uri: "http://localhost:53117/other" }),
      50011,
      "invalid_request",
      400,
    );
  });

  it("AADSTS700005 when a code is redeemed at another tenant", async () => {
    const code = (await codeFor()).searchParams.get("code")!;
    assertEntraError(await redeem(code, undefined, {}, DEV_TENANT_P1.id), 700005, "invalid_grant", 400);
  });

  it("AADSTS9002313 for an unknown code", async () => {
    assertEntraError(await redeem("1.Anot-a-code", undefined), 9002313, "invalid_request", 400);
  });

  it("omits the refresh token without offline_access and the ID token without openid", async () => {
    const scope = "https://graph.microsoft.com/User.Read";
    const code = (await codeFor({ scope })).searchParams.get("code")!;
    const res = await redeem(code, undefined, { scope });
    assert.equal(res.status, 200);
    assert.equal(res.body.refresh_token, undefined);
    assert.equal(res.body.id_token, undefined);
  });

  it("matches loopback redirect URIs on any port, but not another path", async () => {
    const ok = await getPage(authorizeUrl({ redirect_uri: "http://127.0.0.1:40123" }));
    assert.equal(ok.status, 200);
    const bad = await getPage(authorizeUrl({ redirect_uri: "http://localhost:40123/elsewhere" }));
    assert.equal(bad.status, 400);
    assert.match(bad.html, /AADSTS50011:/);
  });

  it("shows an error page (no redirect) for an unknown app and an unregistered redirect URI", async () => {
    const unknown = await getPage(authorizeUrl({ client_id: "00000000-1111-4222-8333-444444444444" }));
    assert.equal(unknown.status, 400);
    assert.match(unknown.html, /AADSTS700016:/);
    const unregistered = await getPage(authorizeUrl({ redirect_uri: "https://evil.example.com/" }));
    assert.equal(unregistered.status, 400);
    assert.match(unregistered.html, /AADSTS50011:/);
    const tenant = await getPage(authorizeUrl({}, "nosuch.onmicrosoft.com"));
    assert.match(tenant.html, /AADSTS90002:/);
  });

  it("returns scope errors to the redirect URI with the state echoed", async () => {
    const res = await getPage(
      authorizeUrl({ scope: "openid https://graph.microsoft.com/No.Such.Permission" }),
    );
    assert.equal(res.status, 302);
    const location = new URL(res.headers.get("location")!);
    assert.equal(location.searchParams.get("error"), "invalid_scope");
    assert.match(location.searchParams.get("error_description")!, /^AADSTS70011: /);
    assert.equal(location.searchParams.get("state"), "st-123");
    const prompt = new URL((await getPage(authorizeUrl({ prompt: "none" }))).headers.get("location")!);
    assert.equal(prompt.searchParams.get("error"), "login_required");
  });

  it("supports response_mode=form_post", async () => {
    const res = await signInThrough(authorizeUrl({ response_mode: "form_post" }), DEV_USER);
    assert.equal(res.status, 200);
    assert.match(res.html, new RegExp(`<form method="post" action="${REDIRECT.replaceAll("/", "\\/")}">`));
    assert.ok(hiddenField(res.html, "code").length > 50);
    assert.equal(hiddenField(res.html, "state"), "st-123");
  });

  it("re-shows the sign-in page with AADSTS50126 for a wrong password and 50034 for an unknown user", async () => {
    const first = await getPage(authorizeUrl({}));
    const action = `${emu.url}/${DEV_TENANT.id}/oauth2/v2.0/authorize`;
    const interaction = hiddenField(first.html, "interaction");
    const wrong = await postPage(action, {
      interaction,
      login: DEV_USER.userPrincipalName,
      passwd: "nope",
      action: "signin",
    });
    assert.equal(wrong.status, 200);
    assert.match(wrong.html, /role="alert"[^>]*>AADSTS50126:/);
    const unknown = await postPage(action, {
      interaction,
      login: "nobody@contoso.onmicrosoft.com",
      passwd: "x",
      action: "signin",
    });
    assert.match(unknown.html, /AADSTS50034:/);
  });

  it("asks for consent when it is missing; cancel returns access_denied with AADSTS65004", async () => {
    const url = authorizeUrl({
      client_id: WEB_APP,
      redirect_uri: "https://app.example.com/auth",
      scope: "openid https://graph.microsoft.com/User.Read",
    });
    const res = await signInThrough(url, DEV_USER, "cancel");
    assert.equal(res.status, 302);
    const location = new URL(res.location!);
    assert.equal(location.searchParams.get("error"), "access_denied");
    assert.equal(location.searchParams.get("error_subcode"), "cancel");
    assert.match(location.searchParams.get("error_description")!, /^AADSTS65004: /);
    assert.equal(location.searchParams.get("state"), "st-123");
  });

  it("AADSTS65001 at the token endpoint when the code's scopes lack consent; accepting consent fixes it", async () => {
    const url = authorizeUrl({
      client_id: WEB_APP,
      redirect_uri: "https://app.example.com/auth",
      scope: "openid https://graph.microsoft.com/User.Read",
    });
    const res = await signInThrough(url, DEV_USER, "accept");
    const code = new URL(res.location!).searchParams.get("code")!;
    const redeemWeb = (scope: string) =>
      postForm(tokenUrl(), {
        grant_type: "authorization_code",
        client_id: WEB_APP,
        client_secret: WEB_SECRET,
        code,
        redirect_uri: "https://app.example.com/auth",
        scope,
      });
    const denied = await redeemWeb("https://graph.microsoft.com/User.Read.All");
    assertEntraError(denied, 65001, "invalid_grant", 400);
    assert.equal(denied.body.suberror, "consent_required");
    const granted = await redeemWeb("openid https://graph.microsoft.com/User.Read");
    assert.equal(granted.status, 200, JSON.stringify(granted.body));
    // The user's consent is remembered: the next sign-in goes straight through.
    const again = await signInThrough(url, DEV_USER);
    assert.equal(again.status, 302);
  });

  it("AADSTS7000218 when a confidential web app redeems without its secret", async () => {
    const url = authorizeUrl({
      client_id: WEB_APP,
      redirect_uri: "https://app.example.com/auth",
      scope: "openid https://graph.microsoft.com/User.Read",
    });
    // Consent was given by the previous test.
    const res = await signInThrough(url, DEV_USER);
    const code = new URL(res.location!).searchParams.get("code")!;
    const noSecret = await postForm(tokenUrl(), {
      grant_type: "authorization_code",
      client_id: WEB_APP,
      code,
      redirect_uri: "https://app.example.com/auth",
      scope: "openid",
    });
    assertEntraError(noSecret, 7000218, "invalid_client", 401);
  });

  it("prompt=consent shows the consent page even when consent exists; an admin can consent for the organization", async () => {
    const res = await signInThrough(authorizeUrl({ prompt: "consent" }), DEV_ADMIN, "org");
    assert.equal(res.status, 302);
    assert.ok(new URL(res.location!).searchParams.get("code"));
  });

  it("signs in through /organizations and /common, issuing the code for the user's home tenant", async () => {
    for (const tenant of ["organizations", "common"]) {
      const res = await signInThrough(authorizeUrl({}, tenant), DEV_USER);
      const code = new URL(res.location!).searchParams.get("code")!;
      const tokens = await redeem(code, undefined, {}, tenant);
      assert.equal(tokens.status, 200);
      assert.equal((await jwtVerify(String(tokens.body.access_token), jwks)).payload.tid, DEV_TENANT.id);
    }
  });

  it("serves the v1 authorize and token endpoints with resource", async () => {
    const url = `${emu.url}/${DEV_TENANT.id}/oauth2/authorize?${new URLSearchParams({ client_id: DEV_APP.clientId, response_type: "code", redirect_uri: REDIRECT, resource: "https://graph.microsoft.com", state: "v1" })}`;
    const res = await signInThrough(url, DEV_USER);
    const code = new URL(res.location!).searchParams.get("code")!;
    const tokens = await postForm(`${emu.url}/${DEV_TENANT.id}/oauth2/token`, {
      grant_type: "authorization_code",
      client_id: DEV_APP.clientId,
      code,
      redirect_uri: REDIRECT,
      resource: "https://graph.microsoft.com",
    });
    assert.equal(tokens.status, 200, JSON.stringify(tokens.body));
    assert.equal(tokens.body.resource, "https://graph.microsoft.com");
    assert.equal(tokens.body.expires_in, "3599");
    assert.ok(tokens.body.refresh_token);
    const id = await jwtVerify(String(tokens.body.id_token), jwks, {
      issuer: `https://sts.windows.net/${DEV_TENANT.id}/`,
    });
    assert.equal(id.payload.upn, DEV_USER.userPrincipalName);
  });
});
