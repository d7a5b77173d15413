/**
 * `POST /obtain-token` over real HTTP against the emulator: our vendor-app credential and an independent
 * WebCrypto client both get tokens that Graph accepts; every refusal of the spec, replay, revocation and
 * key rotation; Entra's own refusals relayed; no input yields a 500 or echoes a secret.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { OAuthProxyCredential } from "../../src/auth/oauth-proxy.ts";
import { DEV_TENANT, DEV_TENANT_P1 } from "../../src/emulator/well-known.ts";
import { EntrakitError, isEntrakitError } from "../../src/errors.ts";
import { createHttpClient } from "../../src/http/index.ts";
import { createApiClient } from "../../src/integrations/api-client.ts";
import { azureRiskyUsersModule } from "../../src/integrations/azure-risky-users/index.ts";
import { parseCommandLine } from "../../src/runtime/command-line.ts";
import { runCommand } from "../../src/runtime/dispatch.ts";
import { openStore } from "../../src/store/index.ts";
import {
  APPLICATION_APP,
  consentOverHttp,
  DELEGATED_APP,
  GRAPH,
  READ_RISKY_USERS,
  resultValues,
  type Stack,
  startStack,
} from "./support.ts";
import {
  encryptRaw,
  encryptToken,
  obtainTokenOverWire,
  postObtainToken,
  splitId,
} from "./webcrypto-client.ts";

const now = () => Math.floor(Date.now() / 1000);

async function riskyUsersStatus(stack: Stack, token: string): Promise<number> {
  const response = await fetch(`${stack.emulator.url}/v1.0/identityProtection/riskyUsers?$top=1`, {
    headers: { authorization: `Bearer ${token}` },
  });
  await response.arrayBuffer();
  return response.status;
}

describe("obtain-token against the emulator", () => {
  let stack: Stack;
  let application: { id: string; key: string; registrationId: string };

  before(async () => {
    stack = await startStack({ preConsented: true });
    const created = await stack.proxy.registrations.create({
      appName: APPLICATION_APP.name,
      kind: "application",
      tenantId: DEV_TENANT.id,
    });
    application = {
      id: `${created.registration.id}@${stack.proxy.url}/obtain-token`,
      key: created.key,
      registrationId: created.registration.id,
    };
  });
  after(() => stack.close());

  test("application: consent page → triple → our credential gets a Graph token for the customer tenant", async () => {
    const page = await consentOverHttp(stack, APPLICATION_APP.name);
    assert.equal(page.status, 200);
    const triple = resultValues(page.html);
    assert.equal(triple.token, DEV_TENANT.id);
    assert.match(triple.id, /^[0-9a-f]{32}@http:\/\/127\.0\.0\.1:\d+\/obtain-token$/);
    assert.equal(Buffer.from(triple.key, "base64").length, 32);
    assert.match(triple.command, /^entrakit instance add risky-users-app --integration AzureRiskyUsers /);
    assert.ok(triple.command.includes(`Token=${DEV_TENANT.id}`));
    assert.ok(!triple.command.includes(triple.key), "the key is left to the prompt");

    const credential = new OAuthProxyCredential({
      id: triple.id,
      token: triple.token,
      key: triple.key,
      appName: APPLICATION_APP.name,
      scopes: [`${GRAPH}/.default`],
    });
    const token = await credential.getToken();
    const claims = JSON.parse(Buffer.from(token.token.split(".")[1]!, "base64url").toString()) as Record<
      string,
      unknown
    >;
    assert.equal(claims.tid, DEV_TENANT.id);
    assert.equal(claims.appid ?? claims.azp, APPLICATION_APP.clientId);
    assert.deepEqual(claims.roles, [READ_RISKY_USERS]);
    assert.equal(await riskyUsersStatus(stack, token.token), 200);
    // The proxy asked Entra for client credentials on the customer's tenant.
    const calls = stack.emulator.admin.requests({
      path: `/${DEV_TENANT.id}/oauth2/v2.0/token`,
      method: "POST",
    });
    assert.ok(calls.length >= 1);
  });

  test("delegated: initial refresh token → tokens; rotation goes through the proxy and the client keeps the latest", async () => {
    const page = await consentOverHttp(stack, DELEGATED_APP.name);
    assert.equal(page.status, 200, page.html);
    const triple = resultValues(page.html);
    assert.notEqual(triple.token, DEV_TENANT.id);
    assert.ok(!triple.command.includes(triple.token), "a refresh token is left to the prompt");
    const store = await openStore("memory:");
    try {
      const credential = new OAuthProxyCredential({
        id: triple.id,
        token: triple.token,
        key: triple.key,
        appName: DELEGATED_APP.name,
        scopes: [`${GRAPH}/${READ_RISKY_USERS}`],
        store,
        namespace: "instance-delegated",
      });
      const first = await credential.getToken();
      assert.equal(await riskyUsersStatus(stack, first.token), 200);
      const second = await credential.getToken({ forceRefresh: true });
      const third = await credential.getToken({ forceRefresh: true });
      assert.notEqual(second.token, first.token);
      assert.equal(await riskyUsersStatus(stack, third.token), 200);
      // The emulator's refresh tokens are single use: the initial one is spent, so only a client that
      // kept each rotated token could have made the later calls.
      const replayInitial = await obtainTokenOverWire({
        id: triple.id,
        key: triple.key,
        appName: DELEGATED_APP.name,
        content: triple.token,
      });
      assert.equal(replayInitial.status, 400);
      assert.equal(replayInitial.body.title, "invalid_grant");
      assert.deepEqual(replayInitial.body.error_codes, [70008]);
      assert.doesNotMatch(String(replayInitial.body.detail), /Trace ID|Correlation ID|AADSTS/);
      const stored = await store.list("instance-delegated");
      assert.equal(stored.length, 1, "one rotated refresh token kept");
    } finally {
      await store.close();
    }
  });

  test("!azure-risky-users-list runs through the proxy for both kinds of app", async () => {
    const http = createHttpClient({ retry: false });
    const store = await openStore("memory:");
    try {
      for (const [app, scopes] of [
        [APPLICATION_APP, [`${GRAPH}/.default`]],
        [DELEGATED_APP, [`${GRAPH}/${READ_RISKY_USERS}`]],
      ] as const) {
        const triple = resultValues((await consentOverHttp(stack, app.name)).html);
        const credential = new OAuthProxyCredential({
          id: triple.id,
          token: triple.token,
          key: triple.key,
          appName: app.name,
          scopes: [...scopes],
          store,
          namespace: `instance-${app.name}`,
        });
        const client = createApiClient({
          http,
          credential,
          baseUrl: `${stack.emulator.url}/v1.0`,
          audience: { scopes: [...scopes] },
        });
        const results = await runCommand(
          azureRiskyUsersModule,
          parseCommandLine("!azure-risky-users-list limit=3"),
          {
            client,
            now: Date.now,
          },
        );
        const users = results[0]!.outputs!.data as unknown[];
        assert.equal(users.length, 3, app.name);
      }
    } finally {
      await store.close();
      await http.close();
    }
  });

  test("an independent WebCrypto client obtains tokens from the wire description alone", async () => {
    const response = await obtainTokenOverWire({
      id: application.id,
      key: application.key,
      appName: APPLICATION_APP.name,
      content: DEV_TENANT.id,
    });
    assert.equal(response.status, 200, JSON.stringify(response.body));
    assert.deepEqual(Object.keys(response.body).sort(), ["access_token", "expires_in", "refresh_token"]);
    assert.equal(response.body.refresh_token, "");
    assert.equal(typeof response.body.expires_in, "number");
    assert.equal(response.headers.get("cache-control"), "no-store");
    assert.equal(await riskyUsersStatus(stack, String(response.body.access_token)), 200);
    // The X-Content-* information headers are recorded, never required.
    assert.ok(stack.audit.some((line) => line.includes('"client":"wire-test-client 0.0.0"')));
    // The v1 `resource` field picks the audience too.
    const v1 = await obtainTokenOverWire({
      id: application.id,
      key: application.key,
      appName: APPLICATION_APP.name,
      content: DEV_TENANT.id,
      resource: GRAPH,
    });
    assert.equal(v1.status, 200);
  });

  test("unknown registration and app mismatch: the same 401", async () => {
    const unknown = await obtainTokenOverWire({
      id: `${"A".repeat(24)}@${stack.proxy.url}/obtain-token`,
      key: application.key,
      appName: APPLICATION_APP.name,
      content: DEV_TENANT.id,
    });
    const mismatch = await obtainTokenOverWire({
      id: application.id,
      key: application.key,
      appName: DELEGATED_APP.name,
      content: DEV_TENANT.id,
    });
    const notConfigured = await obtainTokenOverWire({
      id: application.id,
      key: application.key,
      appName: "no-such-app",
      content: DEV_TENANT.id,
    });
    for (const response of [unknown, mismatch, notConfigured]) {
      assert.equal(response.status, 401);
      assert.equal(response.body.title, "invalid_registration");
    }
    assert.deepEqual(unknown.body, mismatch.body);
  });

  test("bad ciphertext: bad base64, wrong key, tampered, truncated — one undifferentiated 401", async () => {
    const url = splitId(application.id).url;
    const body = (encrypted: string) => ({
      app_name: APPLICATION_APP.name,
      registration_id: application.registrationId,
      encrypted_token: encrypted,
      scope: null,
      resource: "",
    });
    const good = await encryptToken(application.key, DEV_TENANT.id, now());
    const tampered = Buffer.from(good, "base64");
    tampered[14]! ^= 0x01;
    const wrongKey = await encryptToken(randomBytes(32).toString("base64"), DEV_TENANT.id, now());
    const noEpoch = await encryptRaw(application.key, DEV_TENANT.id);
    const badEpoch = await encryptRaw(application.key, `soon:${DEV_TENANT.id}`);
    const cases = [
      "!!!not base64!!!",
      wrongKey,
      tampered.toString("base64"),
      good.slice(0, 24),
      "QUFB",
      noEpoch,
      badEpoch,
    ];
    const bodies = new Set<string>();
    for (const encrypted of cases) {
      const response = await postObtainToken(url, body(encrypted));
      assert.equal(response.status, 401, encrypted);
      bodies.add(JSON.stringify(response.body));
    }
    assert.equal(bodies.size, 1, "the refusal never says which part failed");
  });

  test("timestamps more than 5 minutes away are refused; inside the window they work", async () => {
    const at = async (epochSeconds: number) =>
      obtainTokenOverWire({
        id: application.id,
        key: application.key,
        appName: APPLICATION_APP.name,
        content: DEV_TENANT.id,
        epochSeconds,
      });
    // A minute past the window each way, so a slow round trip on a loaded machine cannot bring a timestamp back
    // inside it (the proxy reads its clock when the request arrives, after this one was taken).
    const stale = await at(now() - 360);
    const future = await at(now() + 360);
    assert.equal(stale.status, 401);
    assert.equal(future.status, 401);
    assert.match(String(stale.body.detail), /5 minutes/);
    assert.equal((await at(now() - 240)).status, 200);
    assert.equal((await at(now() + 240)).status, 200);
  });

  test("a replayed request is refused, also when its base64 is spelled differently", async () => {
    const encrypted = await encryptToken(application.key, DEV_TENANT.id, now());
    const body = {
      app_name: APPLICATION_APP.name,
      registration_id: application.registrationId,
      encrypted_token: encrypted,
      scope: null,
      resource: "",
    };
    const url = splitId(application.id).url;
    assert.equal((await postObtainToken(url, body)).status, 200);
    const again = await postObtainToken(url, body);
    assert.equal(again.status, 401);
    assert.match(String(again.body.detail), /already used/);
    const respelled = await postObtainToken(url, {
      ...body,
      encrypted_token: `${encrypted.slice(0, 8)}\n${encrypted.slice(8)}`,
    });
    assert.equal(respelled.status, 401);
  });

  test("the wrong grant for the registration's kind is refused without calling Entra", async () => {
    stack.emulator.admin.clearRequests();
    const response = await obtainTokenOverWire({
      id: application.id,
      key: application.key,
      appName: APPLICATION_APP.name,
      content: "not-the-tenant-so-a-refresh-token",
    });
    assert.equal(response.status, 400);
    assert.equal(response.body.title, "invalid_grant");
    assert.equal(stack.emulator.admin.requests({ path: "/token" }).length, 0);
  });

  test("Entra's refusal is relayed with its status class, error and codes, without trace lines", async () => {
    const created = await stack.proxy.registrations.create({
      appName: APPLICATION_APP.name,
      kind: "application",
      tenantId: DEV_TENANT_P1.id,
    });
    const id = `${created.registration.id}@${stack.proxy.url}/obtain-token`;
    const response = await obtainTokenOverWire({
      id,
      key: created.key,
      appName: APPLICATION_APP.name,
      content: DEV_TENANT_P1.id,
    });
    assert.ok(response.status === 400 || response.status === 401, String(response.status));
    assert.equal(typeof response.body.title, "string");
    assert.ok(Array.isArray(response.body.error_codes) && response.body.error_codes.length === 1);
    assert.doesNotMatch(String(response.body.detail), /Trace ID|Correlation ID|Timestamp:|AADSTS\d+:/);
    // Our credential turns it into the reference's message.
    const credential = new OAuthProxyCredential({
      id,
      token: DEV_TENANT_P1.id,
      key: created.key,
      appName: APPLICATION_APP.name,
      resource: GRAPH,
    });
    await assert.rejects(credential.getToken(), (error: unknown) => {
      assert.ok(isEntrakitError(error));
      assert.match(
        error.message,
        new RegExp(
          `^Error in Microsoft authorization\\. Status: ${response.status}, body: ${response.body.title}\\. \\S`,
        ),
      );
      return true;
    });
  });

  test("revocation is refused at once; a rotated key replaces the old one at once", async () => {
    const created = await stack.proxy.registrations.create({
      appName: APPLICATION_APP.name,
      kind: "application",
      tenantId: DEV_TENANT.id,
    });
    const id = `${created.registration.id}@${stack.proxy.url}/obtain-token`;
    const call = (key: string) =>
      obtainTokenOverWire({ id, key, appName: APPLICATION_APP.name, content: DEV_TENANT.id });
    assert.equal((await call(created.key)).status, 200);
    const rotated = await stack.proxy.registrations.rotateKey(created.registration.id);
    assert.equal((await call(created.key)).status, 401);
    assert.equal((await call(rotated.key)).status, 200);
    await stack.proxy.registrations.revoke(created.registration.id);
    const revoked = await call(rotated.key);
    assert.equal(revoked.status, 401);
    assert.equal(revoked.body.title, "invalid_registration");
    const listed = await stack.proxy.registrations.list();
    assert.ok(listed.find((r) => r.id === created.registration.id)?.revokedAt);
  });

  test("method, content type, size and malformed bodies", async () => {
    const url = `${stack.proxy.url}/obtain-token`;
    const get = await fetch(url);
    assert.equal(get.status, 405);
    assert.equal(get.headers.get("allow"), "POST");
    const text = await fetch(url, { method: "POST", headers: { "content-type": "text/plain" }, body: "{}" });
    assert.equal(text.status, 415);
    const form = await fetch(url, { method: "POST", body: new URLSearchParams({ a: "b" }) });
    assert.equal(form.status, 415);
    const big = await postObtainToken(url, { app_name: "x".repeat(70 * 1024) });
    assert.equal(big.status, 413);
    const chunked = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: new ReadableStream({
        start(controller) {
          for (let i = 0; i < 80; i++) controller.enqueue(new Uint8Array(1024).fill(32));
          controller.close();
        },
      }),
      duplex: "half",
    } as RequestInit);
    assert.equal(chunked.status, 413);
    for (const body of [
      "",
      "null",
      "[]",
      "{",
      '"x"',
      "{}",
      '{"app_name":1}',
      JSON.stringify({ app_name: "a", registration_id: "b" }),
      JSON.stringify({ app_name: "a", registration_id: "b", encrypted_token: "c", scope: 5 }),
    ]) {
      const response = await postObtainToken(url, body);
      assert.equal(response.status, 400, body);
      assert.equal(response.body.title, "invalid_request");
    }
  });

  test("no input yields a 500, and no error or audit line carries a token, key or ciphertext", async () => {
    const url = `${stack.proxy.url}/obtain-token`;
    const secrets = [application.key];
    for (let i = 0; i < 60; i++) {
      const encrypted =
        i % 3 === 0
          ? await encryptToken(application.key, `${i}:${randomBytes(8).toString("hex")}`, now())
          : randomBytes(i + 1).toString("base64");
      secrets.push(encrypted);
      const body = {
        app_name: i % 2 ? APPLICATION_APP.name : DELEGATED_APP.name,
        registration_id: i % 4 ? application.registrationId : randomBytes(18).toString("base64url"),
        encrypted_token: encrypted,
        scope: i % 5 ? null : "https://graph.microsoft.com/.default",
        resource: i % 7 ? "" : "https://nope.example",
      };
      const response = await postObtainToken(url, body);
      assert.ok(response.status < 500, `${response.status} ${JSON.stringify(response.body)}`);
      for (const secret of secrets) assert.ok(!JSON.stringify(response.body).includes(secret));
    }
    const audit = stack.audit.join("");
    for (const secret of secrets) assert.ok(!audit.includes(secret), "audit log holds no key or ciphertext");
    assert.doesNotMatch(audit, /eyJ[A-Za-z0-9_-]{10,}\./, "no JWT in the audit log");
    for (const line of stack.audit) JSON.parse(line);
  });

  test("/healthz answers, and a broken store is a 503 rather than a 500", async () => {
    const health = await fetch(`${stack.proxy.url}/healthz`);
    assert.equal(health.status, 200);
    assert.equal(((await health.json()) as { status: string }).status, "ok");
    // A store that fails on demand, as an unreachable Redis does.
    const inner = await openStore("memory:");
    let down = false;
    const failing = new Proxy(inner, {
      get(target, name, receiver) {
        const value = Reflect.get(target, name, receiver);
        if (typeof value !== "function") return value;
        return (...args: unknown[]) => {
          if (down && name !== "close") {
            return Promise.reject(
              new EntrakitError("store", "the Redis store at redis://x failed to read: unreachable"),
            );
          }
          return value.apply(target, args);
        };
      },
    });
    const broken = await startStack({ preConsented: true, store: failing });
    try {
      const created = await broken.proxy.registrations.create({
        appName: APPLICATION_APP.name,
        kind: "application",
        tenantId: DEV_TENANT.id,
      });
      down = true;
      const response = await obtainTokenOverWire({
        id: `${created.registration.id}@${broken.proxy.url}/obtain-token`,
        key: created.key,
        appName: APPLICATION_APP.name,
        content: DEV_TENANT.id,
      });
      assert.equal(response.status, 503);
      assert.equal(response.headers.get("retry-after"), "5");
      assert.equal(response.body.title, "temporarily_unavailable");
      assert.equal((await fetch(`${broken.proxy.url}/healthz`)).status, 503);
      const page = await fetch(`${broken.proxy.url}/callback?state=${"a".repeat(22)}`);
      assert.equal(page.status, 503);
      down = false;
    } finally {
      await broken.close();
      await inner.close();
    }
  });
});

describe("rate limits", () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack({
      preConsented: true,
      extra: {
        rate_limits: {
          per_registration: { requests: 3, per_seconds: 600 },
          per_address: { requests: 8, per_seconds: 600 },
        },
      },
    });
  });
  after(() => stack.close());

  test("per registration, then per address: 429 with Retry-After", async () => {
    const created = await stack.proxy.registrations.create({
      appName: APPLICATION_APP.name,
      kind: "application",
      tenantId: DEV_TENANT.id,
    });
    const id = `${created.registration.id}@${stack.proxy.url}/obtain-token`;
    const call = () =>
      obtainTokenOverWire({ id, key: created.key, appName: APPLICATION_APP.name, content: DEV_TENANT.id });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await call()).status);
    assert.deepEqual(statuses, [200, 200, 200, 429]);
    const limited = await call();
    assert.equal(limited.status, 429);
    assert.equal(limited.body.title, "rate_limited");
    assert.ok(Number(limited.headers.get("retry-after")) >= 1);
    // Other registrations from the same address run into the address limit (8 in all).
    const other = await stack.proxy.registrations.create({
      appName: APPLICATION_APP.name,
      kind: "application",
      tenantId: DEV_TENANT.id,
    });
    const otherId = `${other.registration.id}@${stack.proxy.url}/obtain-token`;
    const more = [];
    for (let i = 0; i < 4; i++)
      more.push(
        (
          await obtainTokenOverWire({
            id: otherId,
            key: other.key,
            appName: APPLICATION_APP.name,
            content: DEV_TENANT.id,
          })
        ).status,
      );
    assert.deepEqual(more, [200, 200, 200, 429]);
    assert.ok(stack.audit.some((line) => line.includes('"reason":"rate_limited_address"')));
  });
});
