import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";
import { buildLoginUrl } from "../../src/protocol/login-url.ts";
import { createPkce, createState, pkceChallenge } from "../../src/protocol/pkce.ts";
import { extractAuthorizationCode } from "../../src/protocol/redirect.ts";

test("PKCE verifier is 43 unreserved characters from 32 octets and the challenge is S256", () => {
  const pkce = createPkce();
  assert.match(pkce.verifier, /^[A-Za-z0-9\-_]{43}$/);
  assert.equal(pkce.challenge, createHash("sha256").update(pkce.verifier).digest("base64url"));
  assert.equal(pkce.method, "S256");
  const fixed = createPkce((size) => new Uint8Array(size).fill(0xfb));
  assert.equal(fixed.verifier, Buffer.alloc(32, 0xfb).toString("base64url"));
  assert.equal(fixed.verifier.length, 43);
  assert.equal(
    pkceChallenge(fixed.verifier),
    createHash("sha256").update(fixed.verifier).digest("base64url"),
  );
  assert.throws(() => pkceChallenge("short"));
  assert.notEqual(createState(), createState());
});

test("login URL encodes every parameter and carries state, PKCE and offline_access once", () => {
  const url = buildLoginUrl({
    authorityHost: "https://login.microsoftonline.us/",
    tenant: "contoso.onmicrosoft.com",
    clientId: "a&b",
    redirectUri: "https://localhost/my app?x=1",
    scopes: ["https://graph.microsoft.us/.default", "offline_access"],
    state: "s+t",
    codeChallenge: "chal",
    prompt: "consent",
  });
  assert.ok(
    url.startsWith("https://login.microsoftonline.us/contoso.onmicrosoft.com/oauth2/v2.0/authorize?"),
  );
  const query = url.split("?")[1]!;
  assert.ok(query.includes("client_id=a%26b"));
  assert.ok(query.includes("redirect_uri=https%3A%2F%2Flocalhost%2Fmy%20app%3Fx%3D1"));
  assert.ok(query.includes("scope=https%3A%2F%2Fgraph.microsoft.us%2F.default%20offline_access"));
  assert.ok(query.includes("state=s%2Bt"));
  const params = new URL(url).searchParams;
  assert.equal(params.get("code_challenge"), "chal");
  assert.equal(params.get("code_challenge_method"), "S256");
  assert.equal(params.get("prompt"), "consent");
  assert.equal(
    params
      .get("scope")!
      .split(" ")
      .filter((s) => s === "offline_access").length,
    1,
  );
  const plain = new URL(
    buildLoginUrl({
      authorityHost: "https://h",
      tenant: "t",
      clientId: "c",
      redirectUri: "r",
      scopes: ["User.Read"],
      state: "s",
      codeChallenge: "x",
    }),
  );
  assert.equal(plain.searchParams.get("scope"), "offline_access User.Read");
});

test("pasted code or redirect URL: code extracted, state checked, session_state ignored", () => {
  assert.deepEqual(extractAuthorizationCode("  0.AbC-code  "), { code: "0.AbC-code" });
  assert.deepEqual(
    extractAuthorizationCode("https://localhost/myapp?code=abc%2Fd&state=s1&session_state=xyz", "s1"),
    { code: "abc/d", state: "s1" },
  );
  assert.deepEqual(extractAuthorizationCode("code=abc&session_state=xyz"), { code: "abc" });
  assert.throws(
    () => extractAuthorizationCode("https://localhost/myapp?code=abc&state=evil", "s1"),
    /state in the redirect does not match/,
  );
  assert.throws(
    () =>
      extractAuthorizationCode(
        "https://localhost/myapp?error=access_denied&error_description=User+declined",
        "s1",
      ),
    /Sign-in did not complete: access_denied/,
  );
  assert.throws(() => extractAuthorizationCode("https://localhost/myapp?foo=1"), /no code parameter/);
  assert.throws(() => extractAuthorizationCode("   "), /empty/);
});
