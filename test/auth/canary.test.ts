/**
 * The canary test: every flow runs with recognisable secret values (and the secrets the identity platform
 * issues: codes, device codes, access and refresh tokens, assertions), succeeding and failing; then all
 * captured output, every error (message, hint, stack, fields, causes), the emulator's request log and the
 * SQLite store file are scanned. None may contain any secret.
 */
import assert from "node:assert/strict";
import { createHash, randomBytes, randomUUID, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { AuthorizationCodeCredential } from "../../src/auth/authorization-code.ts";
import { ClientCertificateCredential } from "../../src/auth/client-certificate.ts";
import { ClientSecretCredential } from "../../src/auth/client-secret.ts";
import { DeviceCodeCredential } from "../../src/auth/device-code.ts";
import { signInWithLoopback } from "../../src/auth/loopback.ts";
import { ManagedIdentityCredential } from "../../src/auth/managed-identity/index.ts";
import { OAuthProxyCredential } from "../../src/auth/oauth-proxy.ts";
import type { AuthHttp } from "../../src/auth/transport.ts";
import { DEV_APP, DEV_TENANT, DEV_USER } from "../../src/emulator/well-known.ts";
import { openStore } from "../../src/store/index.ts";
import { startOAuthProxyStub } from "../helpers/oauth-proxy-stub.ts";
import { answerDeviceCode, signInThroughBrowser } from "./browser.ts";
import { startTestEmulator } from "./emulator.ts";
import { createTestCertificate } from "./fixtures.ts";

const t = await startTestEmulator();
after(() => t.close());
const { emulator } = t;
const canary = (label: string) => `canary-${label}-${randomBytes(12).toString("hex")}`;
const secrets = new Set<string>();
const captured: string[] = [];
const errors: unknown[] = [];

const CLIENT_SECRET = canary("client-secret");
const WRONG_SECRET = canary("wrong-secret");
const PROXY_REFRESH_TOKEN = canary("proxy-rt");
const proxyKey = randomBytes(32);
const cert = createTestCertificate("canary");
for (const value of [
  CLIENT_SECRET,
  WRONG_SECRET,
  PROXY_REFRESH_TOKEN,
  proxyKey.toString("base64"),
  DEV_APP.secret,
]) {
  secrets.add(value);
}
for (const line of cert.privateKeyPem.split("\n").filter((l) => /^[A-Za-z0-9+/=]{40,}$/.test(l)))
  secrets.add(line);

// Register the canary secret and certificate on the dev app, as an admin would.
const der = new X509Certificate(cert.certificatePem).raw;
const app = emulator.core.directory.app(DEV_APP.clientId)!;
emulator.core.directory.putApp({
  ...app,
  secrets: [
    ...app.secrets,
    {
      keyId: randomUUID(),
      hint: CLIENT_SECRET.slice(0, 3),
      value: CLIENT_SECRET,
      expiresAt: Date.now() + 86_400_000,
    },
  ],
  certificates: [
    {
      keyId: randomUUID(),
      certificatePem: cert.certificatePem,
      thumbprintSha1: createHash("sha1").update(der).digest("hex").toUpperCase(),
      thumbprintSha256: createHash("sha256").update(der).digest("hex").toUpperCase(),
      expiresAt: Date.now() + 86_400_000,
    },
  ],
});

/** Real traffic; every secret the server hands out or the client sends is added to the canary set. */
function harvesting(http: AuthHttp): AuthHttp {
  return {
    async send(request) {
      for (const [name, value] of new URLSearchParams(request.body ?? "")) {
        if (/secret|assertion|code|token/.test(name) && value.length >= 8) secrets.add(value);
      }
      const response = await http.send(request);
      harvestJson(response.text);
      if (response.headers.location) harvestUrl(response.headers.location);
      return response;
    },
  };
}
function harvestJson(text: string): void {
  try {
    const body = JSON.parse(text) as Record<string, unknown>;
    for (const name of ["access_token", "refresh_token", "device_code", "id_token"]) {
      const value = body[name];
      if (typeof value === "string" && value.length >= 8) secrets.add(value);
    }
  } catch {}
}
function harvestUrl(url: string): void {
  const code = new URL(url).searchParams.get("code");
  if (code) secrets.add(code);
}
const http = harvesting(t.http);

/** Captures everything written to stdout/stderr while `run` executes. */
async function capturing(run: () => Promise<void>): Promise<void> {
  const writes = [process.stdout.write, process.stderr.write] as const;
  const grab =
    (original: typeof process.stdout.write) =>
    (chunk: unknown, ...rest: unknown[]) => {
      captured.push(String(chunk));
      return (original as (...args: unknown[]) => boolean).call(process.stdout, chunk, ...rest);
    };
  process.stdout.write = grab(writes[0]) as typeof process.stdout.write;
  process.stderr.write = grab(writes[1]) as typeof process.stderr.write;
  try {
    await run();
  } finally {
    process.stdout.write = writes[0];
    process.stderr.write = writes[1];
  }
}

async function expectFailure(promise: Promise<unknown>): Promise<void> {
  await assert.rejects(promise, (error) => {
    errors.push(error);
    return true;
  });
}

function describeError(error: unknown, depth = 0): string {
  if (!(error instanceof Error) || depth > 4) return String(error);
  const fields = JSON.stringify(error, Object.getOwnPropertyNames(error));
  return [
    error.message,
    (error as { hint?: string }).hint,
    error.stack,
    fields,
    describeError(error.cause, depth + 1),
  ].join("\n");
}

test("no flow writes, logs, stores in clear or reports a secret, token, key or code", async () => {
  const storeFile = join(t.stateDir, "canary.db");
  const store = await openStore({ url: `sqlite:${storeFile}`, masterKey: randomBytes(32) });
  const common = { authorityHost: emulator.url, tenantId: DEV_TENANT.id, clientId: DEV_APP.clientId, http };
  const alice = { login: DEV_USER.userPrincipalName, password: DEV_USER.password };

  await capturing(async () => {
    // Client secret: success, then a wrong secret.
    await new ClientSecretCredential({ ...common, clientSecret: CLIENT_SECRET }).getToken({
      scopes: ["https://graph.microsoft.com/.default"],
    });
    await expectFailure(
      new ClientSecretCredential({ ...common, clientSecret: WRONG_SECRET }).getToken({
        resource: "https://management.azure.com/",
      }),
    );

    // Certificate: success with PEM, failure with a key the app does not know.
    await new ClientCertificateCredential({
      ...common,
      certificate: cert.certificatePem,
      privateKey: cert.privateKeyPem,
    }).getToken({ scopes: ["https://graph.microsoft.com/.default"] });
    const stranger = createTestCertificate("stranger");
    for (const line of stranger.privateKeyPem.split("\n").filter((l) => l.length >= 40)) secrets.add(line);
    await expectFailure(
      new ClientCertificateCredential({
        ...common,
        certificate: stranger.certificatePem,
        privateKey: stranger.privateKeyPem,
      }).getToken({ scopes: ["https://graph.microsoft.com/.default"] }),
    );
    expectFailureSync(
      () => new ClientCertificateCredential({ ...common, thumbprint: "zz", privateKey: cert.privateKeyPem }),
    );

    // Authorization code: loopback (prints the URL), a forged state, a reused code, refresh.
    const codeApp = new AuthorizationCodeCredential({
      ...common,
      clientSecret: CLIENT_SECRET,
      scopes: ["https://graph.microsoft.com/User.Read"],
      store,
      namespace: "canary",
    });
    await signInWithLoopback(codeApp, {
      openBrowser: async (url) => {
        const back = await signInThroughBrowser(http, url, alice);
        harvestUrl(back);
        await fetch(back);
      },
    });
    await codeApp.getToken({ scopes: ["https://management.azure.com/user_impersonation"] });
    const { url } = await codeApp.createLoginUrl({ redirectUri: "http://localhost/callback" });
    const redirect = await signInThroughBrowser(http, url, alice);
    harvestUrl(redirect);
    const forged = new URL(redirect);
    forged.searchParams.set("state", "forged");
    await expectFailure(codeApp.redeem(forged.toString()));
    const code = new URL(redirect).searchParams.get("code")!;
    await codeApp.redeem(code);
    await expectFailure(codeApp.redeem(code));

    // Device code: instructions printed, one pending poll, completion, then a declined one.
    const device = new DeviceCodeCredential({
      authorityHost: emulator.url,
      clientId: DEV_APP.clientId,
      scopes: ["https://graph.microsoft.com/User.Read"],
      http,
      store,
      namespace: "canary-device",
      sleep: async () => {},
    });
    const started = await device.start();
    process.stdout.write(`${started.instructions}\n`);
    await expectFailure(device.complete({ singlePoll: true }));
    await answerDeviceCode(http, started.verificationUri, started.userCode, alice);
    await device.complete();
    const declined = await device.start();
    await answerDeviceCode(http, declined.verificationUri, declined.userCode, alice, "cancel");
    await expectFailure(device.complete());

    // Managed identity: success and an unknown identity.
    const env = JSON.parse(
      (
        await t.http.send({
          method: "GET",
          url: `${emulator.url}/_emulator/managed-identity/env?source=imds`,
        })
      ).text,
    );
    await new ManagedIdentityCredential({ env, http }).getToken({ resource: "https://graph.microsoft.com" });
    await expectFailure(
      new ManagedIdentityCredential({ env, http, clientId: randomUUID() }).getToken({
        resource: "https://graph.microsoft.com",
      }),
    );

    // OAuth proxy: a delegated registration that rotates canary refresh tokens, and a wrong key.
    const stub = await startOAuthProxyStub({
      registrations: { reg: { appName: "canary-app", key: proxyKey, tenantId: DEV_TENANT.id } },
      issue: () => {
        const next = canary("proxy-rotated");
        const at = canary("proxy-at");
        secrets.add(next);
        secrets.add(at);
        return { status: 200, body: { access_token: at, expires_in: 3600, refresh_token: next } };
      },
    });
    try {
      const proxied = {
        id: `reg@${stub.url}`,
        token: PROXY_REFRESH_TOKEN,
        appName: "canary-app",
        http,
        store,
        namespace: "canary-proxy",
      };
      await new OAuthProxyCredential({ ...proxied, key: proxyKey.toString("base64") }).getToken({
        resource: "https://graph.microsoft.com/",
      });
      await new OAuthProxyCredential({ ...proxied, key: proxyKey.toString("base64") }).getToken({
        resource: "https://graph.microsoft.com/",
        forceRefresh: true,
      });
      await expectFailure(
        new OAuthProxyCredential({
          ...proxied,
          key: randomBytes(32).toString("base64"),
          namespace: "other",
        }).getToken({ resource: "x" }),
      );
      expectFailureSync(
        () => new OAuthProxyCredential({ ...proxied, key: randomBytes(20).toString("base64") }),
      );
    } finally {
      await stub.close();
    }
  });
  await store.close();

  assert.ok(errors.length >= 10, `expected the failure paths to run (${errors.length})`);
  assert.ok(secrets.size >= 20, `expected many secrets to check (${secrets.size})`);
  const haystacks: Array<[string, string]> = [
    ["captured output", captured.join("")],
    ["errors", errors.map((e) => describeError(e)).join("\n")],
    ["emulator request log", JSON.stringify(emulator.admin.requests())],
    ["SQLite store file", readFileSync(storeFile).toString("latin1")],
  ];
  assert.match(haystacks[0]![1], /Authorization instructions/, "the output was captured");
  for (const [where, text] of haystacks) {
    for (const secret of secrets) {
      assert.ok(!text.includes(secret), `${where} contains a secret (${secret.slice(0, 6)}…)`);
    }
  }
});

function expectFailureSync(run: () => unknown): void {
  assert.throws(run, (error) => {
    errors.push(error);
    return true;
  });
}
