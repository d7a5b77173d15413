import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { UnsecuredJWT } from "jose";
import { createHttpClient } from "../../src/http/client.ts";
import {
  createLogger,
  type LogRecord,
  REDACTED,
  redactHeaders,
  redactText,
  redactUrl,
  redactValue,
} from "../../src/log.ts";
import { type ScriptedServer, startScriptedServer } from "./scripted-server.ts";

const CANARY = {
  secret: "canary-secret-7f3a9c",
  code: "canary-code-0AQABAAIAAA",
  refresh: "canary-refresh-1.AVEAb2",
  assertion: "canary-assertion-x1y2",
  password: "canary-password-55",
  jwt: new UnsecuredJWT({ sub: "canary-jwt-subject" }).encode(),
};

function leaked(text: string): string[] {
  return Object.entries(CANARY)
    .filter(([, value]) => text.includes(value))
    .map(([name]) => name);
}

describe("redaction", () => {
  it("redacts secret query parameters and URL credentials, keeping the rest", () => {
    const url = redactUrl(
      `https://user:${CANARY.password}@login.example/t/oauth2/authorize?client_id=app&code=${CANARY.code}&state=s1&client_secret=${CANARY.secret}`,
    );
    assert.deepEqual(leaked(url), []);
    assert.match(url, /client_id=app/);
    assert.match(url, /state=s1/);
    assert.ok(url.includes(`code=${encodeURIComponent(REDACTED)}`));
  });

  it("redacts credential headers", () => {
    const headers = redactHeaders({
      Authorization: `Bearer ${CANARY.jwt}`,
      "proxy-authorization": "Basic dXNlcjpwYXNz",
      "X-IDENTITY-HEADER": CANARY.secret,
      accept: "application/json",
    });
    assert.deepEqual(headers, {
      Authorization: REDACTED,
      "proxy-authorization": REDACTED,
      "X-IDENTITY-HEADER": REDACTED,
      accept: "application/json",
    });
  });

  it("redacts form bodies, JSON bodies, JWTs, bearer values, PEM keys and the refresh_token: prefix", () => {
    const samples = [
      `grant_type=refresh_token&refresh_token=${CANARY.refresh}&client_secret=${CANARY.secret}&client_assertion=${CANARY.assertion}`,
      `grant_type=authorization_code&code=${CANARY.code}&redirect_uri=https%3A%2F%2Flocalhost`,
      JSON.stringify({
        access_token: CANARY.jwt,
        refresh_token: CANARY.refresh,
        expires_in: 3599,
        password: CANARY.password,
      }),
      `token is ${CANARY.jwt} here`,
      `Authorization: Bearer ${CANARY.secret}`,
      `-----BEGIN PRIVATE KEY-----\nMIIE${CANARY.secret}\n-----END PRIVATE KEY-----`,
      `auth_code=refresh_token:${CANARY.refresh}`,
      `refresh_token:${CANARY.refresh}`,
    ];
    for (const sample of samples) {
      const redacted = redactText(sample);
      assert.deepEqual(leaked(redacted), [], redacted);
    }
    assert.match(redactText("grant_type=client_credentials&client_id=abc"), /client_id=abc/);
  });

  it("keeps error codes readable (JSON `code` is a service error code, not an auth code)", () => {
    assert.equal(
      redactText('{"error":{"code":"Forbidden","message":"no"}}'),
      '{"error":{"code":"Forbidden","message":"no"}}',
    );
  });

  it("redacts structured fields by name, deeply", () => {
    const value = redactValue({
      context: { current_refresh_token: CANARY.refresh, access_token: CANARY.jwt, valid_until: 3605 },
      list: [{ client_secret: CANARY.secret }],
      headers: { authorization: "Bearer x" },
      error: new Error(`failed with code=${CANARY.code}`),
    });
    assert.deepEqual(leaked(JSON.stringify(value)), []);
    assert.equal((value as { context: { valid_until: number } }).context.valid_until, 3605);
  });

  it("the logger redacts messages and fields before they reach the sink, and filters by level", () => {
    const records: LogRecord[] = [];
    const logger = createLogger({ level: "info", sink: (record) => records.push(record) });
    logger.debug(`debug ${CANARY.secret}`);
    logger.info(`posting client_secret=${CANARY.secret}`, { body: { refresh_token: CANARY.refresh } });
    logger.error(`bad ${CANARY.jwt}`);
    assert.equal(records.length, 2);
    assert.deepEqual(leaked(JSON.stringify(records)), []);
  });
});

describe("the HTTP client logs nothing secret", () => {
  let server: ScriptedServer;
  after(async () => server?.close());

  it("requests with secrets in the URL, headers and body, retried, leave no secret in the log", async () => {
    server = await startScriptedServer([
      { status: 503, headers: { "retry-after": "1" } },
      { status: 200, body: { access_token: CANARY.jwt, refresh_token: CANARY.refresh } },
    ]);
    const records: LogRecord[] = [];
    const client = createHttpClient({
      logger: createLogger({ level: "debug", sink: (record) => records.push(record) }),
      clock: { sleep: async () => {} },
    });
    try {
      const response = await client.send({
        method: "POST",
        url: `${server.origin}/tenant/oauth2/v2.0/token?code=${CANARY.code}`,
        headers: { authorization: `Basic ${Buffer.from(`app:${CANARY.secret}`).toString("base64")}` },
        body: `grant_type=refresh_token&refresh_token=${CANARY.refresh}&client_secret=${CANARY.secret}`,
      });
      assert.equal(response.status, 200);
    } finally {
      await client.close();
    }
    assert.ok(records.length >= 2, "the exchange was logged");
    assert.ok(records.some((record) => record.message.includes("retrying POST")));
    assert.deepEqual(leaked(JSON.stringify(records)), []);
  });
});
