import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { UnsecuredJWT } from "jose";
import {
  authenticationFailed,
  authResetHint,
  diagnoseEntraError,
  explainToken,
  type HintFamily,
  requirePermissions,
} from "../../src/auth/diagnostics.ts";
import { AuthenticationFailedError, PermissionDeniedError } from "../../src/auth/errors.ts";
import { CLOUDS } from "../../src/clouds/index.ts";
import { describeEntraError, entraErrorSummary, parseEntraError } from "../../src/protocol/entra-error.ts";

const TRACE = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";
const CORRELATION = "11112222-3333-4444-5555-666677778888";

/** An error body shaped exactly like Entra's token endpoint answers (CRLF-separated trailer lines). */
function entraBody(error: string, code: number, text: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    error,
    error_description: `AADSTS${code}: ${text}\r\nTrace ID: ${TRACE}\r\nCorrelation ID: ${CORRELATION}\r\nTimestamp: 2026-11-23 09:00:00Z`,
    error_codes: [code],
    timestamp: "2026-11-23 09:00:00Z",
    trace_id: TRACE,
    correlation_id: CORRELATION,
    error_uri: `https://login.microsoftonline.com/error?code=${code}`,
    ...extra,
  });
}

const CONTEXT = {
  commandPrefix: "azure-risky-users",
  cloud: CLOUDS["gcc-high"],
  tenantId: "contoso.onmicrosoft.us",
  clientId: "5f2d8c41-9e7b-4a36-8d1f-2b6c0e9a7d58",
  target: "https://graph.microsoft.com/.default",
};

/** One row per family: a real-shaped body and what the hint must say. */
const FAMILIES: ReadonlyArray<{
  family: HintFamily;
  status: number;
  body: string;
  hint: RegExp;
}> = [
  {
    family: "secret_invalid",
    status: 401,
    body: entraBody(
      "invalid_client",
      7000215,
      "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.",
    ),
    hint: /Value \(not its Secret ID\)/,
  },
  {
    family: "secret_expired",
    status: 401,
    body: entraBody(
      "invalid_client",
      7000222,
      "The provided client secret keys for app '5f2d8c41' are expired.",
    ),
    hint: /expired: create a new one.*\*\*\*azure-risky-users-auth-reset\*\*\*/,
  },
  {
    family: "unknown_app",
    status: 400,
    body: entraBody(
      "unauthorized_client",
      700016,
      "Application with identifier '5f2d8c41' was not found in the directory 'Contoso'.",
    ),
    hint: /5f2d8c41-9e7b-4a36-8d1f-2b6c0e9a7d58 was not found in tenant contoso\.onmicrosoft\.us.*US GCC-High cloud \(https:\/\/login\.microsoftonline\.us\)/,
  },
  {
    family: "unknown_tenant",
    status: 400,
    body: entraBody("invalid_request", 90002, "Tenant 'contoso.onmicrosoft.us' not found."),
    hint: /Tenant contoso\.onmicrosoft\.us was not found in the US GCC-High cloud/,
  },
  {
    family: "wrong_cloud",
    status: 400,
    body: entraBody(
      "invalid_request",
      900382,
      "Confidential Client is not supported in Cross Cloud request.",
    ),
    hint: /different national cloud.*azure_cloud/,
  },
  {
    family: "consent_missing",
    status: 400,
    body: entraBody(
      "invalid_grant",
      65001,
      "The user or administrator has not consented to use the application.",
      { suberror: "consent_required" },
    ),
    hint: /https:\/\/login\.microsoftonline\.us\/contoso\.onmicrosoft\.us\/adminconsent\?client_id=5f2d8c41-9e7b-4a36-8d1f-2b6c0e9a7d58/,
  },
  {
    family: "mfa_required",
    status: 400,
    body: entraBody(
      "interaction_required",
      50076,
      "Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication.",
      { suberror: "basic_action" },
    ),
    hint: /Multi-factor authentication.*!azure-risky-users-auth-start/,
  },
  {
    family: "conditional_access",
    status: 400,
    body: entraBody("invalid_grant", 53003, "Access has been blocked by Conditional Access policies."),
    hint: /Conditional Access policy.*correlation ID/,
  },
  {
    family: "grant_expired",
    status: 400,
    body: entraBody(
      "invalid_grant",
      700082,
      "The refresh token has expired due to inactivity.\u00a0The token was issued on 2026-08-01 and was inactive for 90.00:00:00.",
    ),
    hint: /^You can run the \*\*\*azure-risky-users-auth-reset\*\*\* command to reset the authentication process\. Then sign in again/,
  },
  {
    family: "grant_expired",
    status: 400,
    body: entraBody(
      "invalid_grant",
      50173,
      "The provided grant has expired due to it being revoked, a fresh auth token is needed.",
    ),
    hint: /auth-reset\*\*\* command/,
  },
  {
    family: "grant_expired",
    status: 400,
    body: entraBody(
      "invalid_grant",
      54005,
      "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.",
    ),
    hint: /auth-reset\*\*\* command/,
  },
  {
    family: "public_client_disabled",
    status: 401,
    body: entraBody(
      "invalid_client",
      7000218,
      "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
    ),
    hint: /Allow public client flows/,
  },
  {
    family: "resource_not_in_cloud",
    status: 400,
    body: entraBody(
      "invalid_resource",
      500011,
      "The resource principal named https://graph.microsoft.com was not found in the tenant named Contoso.",
    ),
    hint: /https:\/\/graph\.microsoft\.com\/\.default is not available.*https:\/\/graph\.microsoft\.us\/\.default/,
  },
  {
    family: "certificate_rejected",
    status: 401,
    body: entraBody("invalid_client", 700027, "Client assertion failed signature validation."),
    hint: /certificate uploaded to the app registration matches the private key/,
  },
  {
    family: "invalid_scope",
    status: 400,
    body: entraBody(
      "invalid_scope",
      70011,
      "The provided value for the input parameter 'scope' is not valid.",
    ),
    hint: /\/\.default/,
  },
  {
    family: "device_code_declined",
    status: 400,
    body: entraBody("authorization_declined", 70000, "The end user declined the authorization request.", {
      error_codes: [],
    }),
    hint: /declined/,
  },
  {
    family: "device_code_expired",
    status: 400,
    body: entraBody(
      "expired_token",
      70020,
      "The provided value for the input parameter 'device_code' is not valid. This device code has expired.",
    ),
    hint: /start a new sign-in with !azure-risky-users-auth-start/,
  },
];

describe("Entra error families produce their hints", () => {
  for (const row of FAMILIES) {
    it(`${row.family}: ${JSON.parse(row.body).error_codes[0] ?? JSON.parse(row.body).error}`, () => {
      const error = authenticationFailed(row.status, row.body, CONTEXT);
      assert.ok(error instanceof AuthenticationFailedError);
      assert.equal(error.code, "authentication_failed");
      assert.equal(error.family, row.family);
      assert.match(error.hint ?? "", row.hint);
      assert.match(
        error.message,
        new RegExp(`^Error in Microsoft authorization\\. Status: ${row.status}, body: `),
      );
      // The Entra fields are kept for support cases.
      const parsed = JSON.parse(row.body);
      assert.equal(error.error, parsed.error);
      assert.deepEqual(error.errorCodes, parsed.error_codes);
      assert.equal(error.traceId, TRACE);
      assert.equal(error.correlationId, CORRELATION);
      assert.equal(error.timestamp, "2026-11-23 09:00:00Z");
      assert.equal(error.status, row.status);
      // One line, no doubled prefix, no trace trailer copied from the description.
      assert.doesNotMatch(
        error.toLine(),
        /\n|Error in Microsoft authorization.*Error in Microsoft authorization|Timestamp:/,
      );
    });
  }

  it("formats the reference's body text: error, a full stop, the description without AADSTS or trace lines", () => {
    const body = entraBody("invalid_grant", 700082, "The refresh token has expired due to inactivity.");
    const error = authenticationFailed(400, body, CONTEXT);
    assert.equal(
      error.message,
      `Error in Microsoft authorization. Status: 400, body: invalid_grant. The refresh token has expired due to inactivity. (trace ID ${TRACE}, correlation ID ${CORRELATION})`,
    );
  });

  it("keeps suberror and a claims challenge", () => {
    const claims = '{"access_token":{"nbf":{"essential":true,"value":"1700000000"}}}';
    const error = authenticationFailed(
      400,
      entraBody("interaction_required", 50076, "MFA required.", { suberror: "basic_action", claims }),
      CONTEXT,
    );
    assert.equal(error.suberror, "basic_action");
    assert.equal(error.claims, claims);
  });
});

describe("the reference's error-parsing bugs are fixed", () => {
  it("a JSON body without `error` is shown as its text, not `None: None`", () => {
    const error = authenticationFailed(500, '{"message":"upstream failed"}');
    assert.equal(
      error.message,
      'Error in Microsoft authorization. Status: 500, body: {"message":"upstream failed"}',
    );
    assert.doesNotMatch(error.message, /None/);
    assert.equal(error.hint, undefined);
  });

  it("an explicitly empty error_codes list does not trigger the auth-reset hint", () => {
    const error = authenticationFailed(
      400,
      JSON.stringify({ error: "invalid_request", error_codes: [] }),
      CONTEXT,
    );
    assert.equal(error.hint, undefined);
    assert.deepEqual(error.errorCodes, []);
  });

  it("an array or non-JSON body does not throw and is kept short", () => {
    assert.match(authenticationFailed(400, "[1,2]").message, /body: \[1,2\]$/);
    const html = `<html><body>${"x".repeat(2000)}</body></html>`;
    assert.ok(authenticationFailed(502, html).message.length < 400);
  });

  it("a Graph-style object error keeps code and message", () => {
    assert.equal(entraErrorSummary('{"error":{"code":"code","message":"message"}}'), "code: message");
  });

  it("AADSTS500011 has no reset hint (the reference's third test case)", () => {
    const error = authenticationFailed(
      400,
      entraBody(
        "invalid_resource",
        500011,
        "The resource principal named x was not found in the tenant named y.",
      ),
      { commandPrefix: "command_prefix" },
    );
    assert.doesNotMatch(error.hint ?? "", /auth-reset/);
  });

  it("the reset hint without a prefix does not print an empty command", () => {
    assert.doesNotMatch(authResetHint(undefined), /\*\*\*-auth-reset/);
    const error = authenticationFailed(400, entraBody("invalid_grant", 70008, "Expired."), {});
    assert.doesNotMatch(error.toLine(), /\*\*\*-auth-reset|!-auth/);
  });
});

describe("Entra error parsing", () => {
  it("reads trace and correlation IDs from a description-only body, CRLF or space separated", () => {
    const crlf = parseEntraError({
      error: "invalid_grant",
      error_description: `AADSTS70008: Expired.\r\nTrace ID: ${TRACE}\r\nCorrelation ID: ${CORRELATION}\r\nTimestamp: 2026-01-01 00:00:00Z`,
    });
    assert.equal(crlf?.traceId, TRACE);
    assert.equal(crlf?.correlationId, CORRELATION);
    assert.deepEqual(crlf?.errorCodes, [70008]);
    const spaced = describeEntraError(
      `AADSTS70008: Expired grant. Trace ID: ${TRACE} Correlation ID: ${CORRELATION}`,
    );
    assert.equal(spaced, "Expired grant.");
  });

  it("returns undefined for bodies that are not OAuth errors", () => {
    assert.equal(parseEntraError("not json"), undefined);
    assert.equal(parseEntraError([1]), undefined);
    assert.equal(parseEntraError({ error: { code: "x" } }), undefined);
  });

  it("diagnoses by suberror and by OAuth error when no code matches", () => {
    assert.equal(
      diagnoseEntraError({
        error: "invalid_grant",
        errorDescription: "",
        errorCodes: [],
        suberror: "consent_required",
      })?.family,
      "consent_missing",
    );
    assert.equal(
      diagnoseEntraError({ error: "invalid_client", errorDescription: "", errorCodes: [] })?.family,
      "client_rejected",
    );
    assert.equal(diagnoseEntraError({ error: "mystery", errorDescription: "", errorCodes: [1] }), undefined);
  });
});

describe("explainToken", () => {
  const now = Date.UTC(2026, 10, 23, 9, 0, 0);
  const seconds = Math.floor(now / 1000);

  function token(claims: Record<string, unknown>): string {
    return new UnsecuredJWT(claims)
      .setIssuedAt(seconds - 60)
      .setExpirationTime(seconds + 3600)
      .encode();
  }

  it("names the application permissions an app-only token lacks", () => {
    const jwt = token({
      aud: "https://graph.microsoft.com",
      tid: "tenant-1",
      appid: "client-1",
      roles: ["IdentityRiskyUser.ReadWrite.All"],
      idtyp: "app",
    });
    const explanation = explainToken(
      jwt,
      { application: ["IdentityRiskyUser.Read.All", "IdentityRiskEvent.Read.All"] },
      now,
    );
    assert.equal(explanation.kind, "application");
    assert.deepEqual(explanation.missing, ["IdentityRiskEvent.Read.All"], "ReadWrite.All covers Read.All");
    assert.equal(explanation.clientId, "client-1");
    assert.equal(explanation.expired, false);
    assert.ok(explanation.lines.some((line) => line === "Missing: IdentityRiskEvent.Read.All"));
    assert.ok(!JSON.stringify(explanation).includes(jwt), "the token never appears in the explanation");
    assert.ok(!explanation.lines.join("\n").includes(jwt.split(".")[1]!));
  });

  it("compares delegated scopes and reports expiry", () => {
    const jwt = new UnsecuredJWT({ scp: "User.Read openid", upn: "alice@contoso.com", azp: "client-2" })
      .setExpirationTime(seconds - 1)
      .encode();
    const explanation = explainToken(jwt, ["User.Read", "Directory.Read.All"], now);
    assert.equal(explanation.kind, "delegated");
    assert.equal(explanation.user, "alice@contoso.com");
    assert.deepEqual(explanation.missing, ["Directory.Read.All"]);
    assert.equal(explanation.expired, true);
  });

  it("requirePermissions throws a PermissionDeniedError naming what is missing", () => {
    const jwt = token({ roles: [] });
    assert.throws(
      () => requirePermissions(jwt, { application: ["Directory.Read.All"] }, now),
      (error: unknown) =>
        error instanceof PermissionDeniedError &&
        error.code === "permission_denied" &&
        error.missing.includes("Directory.Read.All") &&
        /Application permissions/.test(error.hint ?? ""),
    );
  });

  it("refuses something that is not a JWT without echoing it", () => {
    const secret = "definitely-not-a-jwt-canary-4f1a";
    assert.throws(
      () => explainToken(secret),
      (error: unknown) =>
        error instanceof Error &&
        !error.message.includes(secret) &&
        !String((error as { hint?: string }).hint).includes(secret),
    );
  });
});
