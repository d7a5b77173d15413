/**
 * Each error family, produced for real by the emulator's identity platform over HTTPS, gives its hint.
 * The requests are sent with the project's one HTTP client (trusting the emulator's CA) and the answers
 * turned into errors by `authenticationFailed`, as every credential does.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { authenticationFailed, type HintFamily } from "../../src/auth/diagnostics.ts";
import { customCloud } from "../../src/clouds/index.ts";
import { type RunningEmulator, startEmulator } from "../../src/emulator/server.ts";
import { DEV_APP, DEV_TENANT, DEV_USER } from "../../src/emulator/well-known.ts";
import { createHttpClient, type HttpClient } from "../../src/http/client.ts";

const GRAPH_DEFAULT = "https://graph.microsoft.com/.default";
const USER_READ = "https://graph.microsoft.com/User.Read";
const EXPIRED_APP = "aaaaaaaa-0000-4000-8000-000000000001";
const UNCONSENTED_APP = "aaaaaaaa-0000-4000-8000-000000000002";
const CONFIDENTIAL_ONLY_APP = "aaaaaaaa-0000-4000-8000-000000000003";
const PREFIX = "msgraph-user";

describe("every error family from the emulator produces its hint", () => {
  let emulator: RunningEmulator;
  let http: HttpClient;

  before(async () => {
    emulator = await startEmulator({ tls: true });
    emulator.admin.seed({
      apps: [
        {
          clientId: EXPIRED_APP,
          displayName: "expired secret app",
          homeTenant: DEV_TENANT.id,
          secrets: [{ value: "old-secret-value", expiresAt: "2020-01-01T00:00:00Z" }],
        },
        {
          clientId: UNCONSENTED_APP,
          displayName: "unconsented app",
          homeTenant: DEV_TENANT.id,
          secrets: [{ value: "unconsented-secret" }],
          delegatedScopes: [{ resource: "https://graph.microsoft.com", value: "User.Read" }],
        },
        {
          clientId: CONFIDENTIAL_ONLY_APP,
          displayName: "confidential only app",
          homeTenant: DEV_TENANT.id,
          secrets: [{ value: "confidential-secret" }],
          allowPublicClient: false,
        },
      ],
    });
    http = createHttpClient({ caCertificates: [emulator.caCert!], retry: false });
  });

  after(async () => {
    await http?.close();
    await emulator?.close();
  });

  async function token(
    tenant: string,
    fields: Record<string, string>,
  ): Promise<{ status: number; text: string }> {
    const response = await http.send({
      method: "POST",
      url: `${emulator.url}/${tenant}/oauth2/v2.0/token`,
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(fields).toString(),
    });
    return response;
  }

  async function refreshTokenFor(): Promise<string> {
    const answer = await token(DEV_TENANT.id, {
      grant_type: "password",
      client_id: DEV_APP.clientId,
      client_secret: DEV_APP.secret,
      username: DEV_USER.userPrincipalName,
      password: DEV_USER.password,
      scope: `${USER_READ} offline_access`,
    });
    assert.equal(answer.status, 200, answer.text);
    return JSON.parse(answer.text).refresh_token as string;
  }

  const cases: ReadonlyArray<{
    family: HintFamily;
    code: number;
    request: () => Promise<{ status: number; text: string }>;
    hint: RegExp;
    /** What the instance was configured with, when it differs from the dev app and tenant. */
    clientId?: string;
    tenantId?: string;
  }> = [
    {
      family: "secret_invalid",
      code: 7000215,
      request: () =>
        token(DEV_TENANT.id, {
          grant_type: "client_credentials",
          client_id: DEV_APP.clientId,
          client_secret: "wrong-secret",
          scope: GRAPH_DEFAULT,
        }),
      hint: /Value \(not its Secret ID\)/,
    },
    {
      family: "secret_expired",
      code: 7000222,
      request: () =>
        token(DEV_TENANT.id, {
          grant_type: "client_credentials",
          client_id: EXPIRED_APP,
          client_secret: "old-secret-value",
          scope: GRAPH_DEFAULT,
        }),
      hint: /client secret has expired.*msgraph-user-auth-reset/,
    },
    {
      family: "unknown_app",
      code: 700016,
      request: () =>
        token(DEV_TENANT.id, {
          grant_type: "client_credentials",
          client_id: "00000000-0000-4000-8000-00000000dead",
          client_secret: "x",
          scope: GRAPH_DEFAULT,
        }),
      hint: /00000000-0000-4000-8000-00000000dead was not found in tenant/,
      clientId: "00000000-0000-4000-8000-00000000dead",
    },
    {
      family: "unknown_tenant",
      code: 90002,
      request: () =>
        token("11111111-1111-4111-8111-111111111111", {
          grant_type: "client_credentials",
          client_id: DEV_APP.clientId,
          client_secret: DEV_APP.secret,
          scope: GRAPH_DEFAULT,
        }),
      hint: /Tenant 11111111-1111-4111-8111-111111111111 was not found/,
      tenantId: "11111111-1111-4111-8111-111111111111",
    },
    {
      family: "consent_missing",
      code: 65001,
      request: () =>
        token(DEV_TENANT.id, {
          grant_type: "password",
          client_id: UNCONSENTED_APP,
          client_secret: "unconsented-secret",
          username: DEV_USER.userPrincipalName,
          password: DEV_USER.password,
          scope: USER_READ,
        }),
      hint: /adminconsent\?client_id=aaaaaaaa-0000-4000-8000-000000000002/,
      clientId: UNCONSENTED_APP,
    },
    {
      family: "public_client_disabled",
      code: 7000218,
      request: () =>
        token(DEV_TENANT.id, {
          grant_type: "password",
          client_id: CONFIDENTIAL_ONLY_APP,
          username: DEV_USER.userPrincipalName,
          password: DEV_USER.password,
          scope: USER_READ,
        }),
      hint: /Allow public client flows/,
    },
    {
      family: "resource_not_in_cloud",
      code: 500011,
      request: () =>
        token(DEV_TENANT.id, {
          grant_type: "client_credentials",
          client_id: DEV_APP.clientId,
          client_secret: DEV_APP.secret,
          scope: "https://api.unknown.example/.default",
        }),
      hint: /is not available to this tenant/,
    },
    {
      family: "invalid_scope",
      code: 1002012,
      request: () =>
        token(DEV_TENANT.id, {
          grant_type: "client_credentials",
          client_id: DEV_APP.clientId,
          client_secret: DEV_APP.secret,
          scope: "User.Read",
        }),
      hint: /'<resource>\/\.default'/,
    },
    {
      family: "grant_expired",
      code: 50173,
      request: async () => {
        const refreshToken = await refreshTokenFor();
        emulator.admin.revokeSessions({ userId: DEV_USER.id });
        emulator.admin.advanceClock(1000);
        return token(DEV_TENANT.id, {
          grant_type: "refresh_token",
          client_id: DEV_APP.clientId,
          client_secret: DEV_APP.secret,
          refresh_token: refreshToken,
          scope: USER_READ,
        });
      },
      hint: /^You can run the \*\*\*msgraph-user-auth-reset\*\*\* command to reset the authentication process\./,
    },
    {
      family: "grant_expired",
      code: 700082,
      request: async () => {
        const refreshToken = await refreshTokenFor();
        emulator.admin.advanceClock(91 * 86_400_000);
        return token(DEV_TENANT.id, {
          grant_type: "refresh_token",
          client_id: DEV_APP.clientId,
          client_secret: DEV_APP.secret,
          refresh_token: refreshToken,
          scope: USER_READ,
        });
      },
      hint: /\*\*\*msgraph-user-auth-reset\*\*\*.*sign in again/,
    },
    {
      family: "device_code_expired",
      code: 70018,
      request: () =>
        token("organizations", {
          grant_type: "urn:ietf:params:oauth:grant-type:device_code",
          client_id: DEV_APP.clientId,
          device_code: "not-a-real-device-code",
        }),
      hint: /start a new sign-in with !msgraph-user-auth-start/,
    },
    {
      family: "bad_credentials",
      code: 50126,
      request: () =>
        token(DEV_TENANT.id, {
          grant_type: "password",
          client_id: DEV_APP.clientId,
          client_secret: DEV_APP.secret,
          username: DEV_USER.userPrincipalName,
          password: "wrong-password",
          scope: USER_READ,
        }),
      hint: /user name or password is wrong/,
    },
  ];

  for (const row of cases) {
    it(`${row.family} (AADSTS${row.code})`, async () => {
      const answer = await row.request();
      assert.ok(answer.status >= 400, `expected an error, got ${answer.status}`);
      const cloud = customCloud({ endpoints: { login: emulator.url } });
      const error = authenticationFailed(answer.status, answer.text, {
        commandPrefix: PREFIX,
        cloud,
        tenantId: row.tenantId ?? DEV_TENANT.id,
        clientId: row.clientId ?? DEV_APP.clientId,
      });
      assert.deepEqual(error.errorCodes, [row.code], answer.text);
      assert.equal(error.family, row.family);
      assert.match(error.hint ?? "", row.hint);
      assert.match(
        error.message,
        new RegExp(`^Error in Microsoft authorization\\. Status: ${answer.status}, body: ${error.error}\\. `),
      );
      assert.ok(error.traceId && error.correlationId, "trace and correlation IDs kept");
      for (const secret of [DEV_APP.secret, DEV_USER.password, "old-secret-value", "unconsented-secret"]) {
        assert.ok(!error.toLine().includes(secret), "no secret in the message or hint");
      }
    });
  }

  it("the consent URL is built on the configured cloud's login host", async () => {
    const answer = await cases.find((row) => row.family === "consent_missing")!.request();
    const cloud = customCloud({ endpoints: { login: emulator.url } });
    const error = authenticationFailed(answer.status, answer.text, {
      cloud,
      tenantId: DEV_TENANT.id,
      clientId: UNCONSENTED_APP,
    });
    assert.ok(
      error.hint?.includes(`${emulator.url}/${DEV_TENANT.id}/adminconsent?client_id=${UNCONSENTED_APP}`),
      error.hint,
    );
  });
});
