/**
 * The proxy service around the protocol: config validation with one-line errors, the consent start and
 * callback refusals over HTTP, certificate credentials, TLS from files, forwarded headers only when
 * trusted, page security headers and escaping, and the audit log file.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { OAuthProxyCredential } from "../../src/auth/oauth-proxy.ts";
import { createAuthHttp } from "../../src/auth/transport.ts";
import { startEmulator } from "../../src/emulator/server.ts";
import { DEV_ADMIN, DEV_TENANT, DEV_TENANT_P1 } from "../../src/emulator/well-known.ts";
import { isEntrakitError } from "../../src/errors.ts";
import { createHttpClient } from "../../src/http/index.ts";
import { openAuditLog } from "../../src/proxy/audit.ts";
import { loadProxyConfig, parseProxyConfig } from "../../src/proxy/config.ts";
import { startProxy } from "../../src/proxy/server.ts";
import { openStore } from "../../src/store/index.ts";
import { signInThroughBrowser } from "../auth/browser.ts";
import { makeCertificate } from "../emulator/identity/helpers.ts";
import { createTestPki } from "../helpers/tls.ts";
import {
  APPLICATION_APP,
  Browserless,
  consentOverHttp,
  DELEGATED_APP,
  GRAPH,
  READ_RISKY_USERS,
  type Stack,
  startStack,
  VENDOR_TENANT,
} from "./support.ts";
import { obtainTokenOverWire } from "./webcrypto-client.ts";

const APP = {
  app_name: "demo",
  client_id: APPLICATION_APP.clientId,
  kind: "application",
  credential: { secret: { value: "s" } },
  display_name: "Demo",
};

function configError(value: unknown, env: Record<string, string> = {}): string {
  try {
    parseProxyConfig(value, { env });
  } catch (error) {
    assert.ok(isEntrakitError(error));
    assert.equal(error.code, "configuration");
    assert.doesNotMatch(error.message, /\n/);
    return error.message;
  }
  throw new Error("the config was accepted");
}

describe("config", () => {
  test("defaults: listen, store, rate limits, Graph of the cloud as the resource", () => {
    const config = parseProxyConfig({ public_url: "https://proxy.example.com/", apps: [APP] });
    assert.equal(config.publicUrl, "https://proxy.example.com");
    assert.deepEqual(config.listen, { host: "127.0.0.1", port: 8443 });
    assert.equal(config.auditLog, "-");
    assert.deepEqual(config.rateLimits.perRegistration, { requests: 120, perSeconds: 60 });
    const app = config.apps.get("demo")!;
    assert.equal(app.resource, "https://graph.microsoft.com");
    const gov = parseProxyConfig({ public_url: "https://p.example", apps: [{ ...APP, cloud: "gcc-high" }] });
    assert.equal(gov.apps.get("demo")!.cloud.endpoints.login, "https://login.microsoftonline.us");
    assert.equal(gov.apps.get("demo")!.resource, "https://graph.microsoft.us");
    assert.equal(app.confirmTenant, true);
    const oneStep = parseProxyConfig({
      public_url: "https://p.example",
      apps: [{ ...APP, confirm_tenant: false }],
    });
    assert.equal(oneStep.apps.get("demo")!.confirmTenant, false);
    const byName = parseProxyConfig({
      public_url: "https://p.example",
      apps: [{ ...APP, cloud: "US GCC-High" }],
    });
    assert.equal(byName.apps.get("demo")!.cloud.id, "gcc-high");
  });

  test("secrets from the environment or a file", () => {
    const dir = mkdtempSync(join(tmpdir(), "entrakit-proxy-config-"));
    try {
      writeFileSync(join(dir, "secret.txt"), "from-file\n");
      const fromEnv = parseProxyConfig(
        { public_url: "https://p.example", apps: [{ ...APP, credential: { secret: { env: "VENDOR" } } }] },
        { env: { VENDOR: "from-env" } },
      );
      assert.deepEqual(fromEnv.apps.get("demo")!.credential, { kind: "secret", secret: "from-env" });
      const fromFile = parseProxyConfig(
        {
          public_url: "https://p.example",
          apps: [{ ...APP, credential: { secret: { file: "secret.txt" } } }],
        },
        { baseDir: dir },
      );
      assert.deepEqual(fromFile.apps.get("demo")!.credential, { kind: "secret", secret: "from-file" });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("bad configs get one-line errors naming the field", () => {
    assert.match(configError({ apps: [APP] }), /public_url/);
    assert.match(configError({ public_url: "https://p.example", apps: [] }), /apps: list at least one app/);
    assert.match(
      configError({ public_url: "https://p.example", apps: [{ ...APP, kind: "both" }] }),
      /apps\.0\.kind/,
    );
    assert.match(
      configError({ public_url: "https://p.example", apps: [{ ...APP, client_id: "x" }] }),
      /client_id: must be a GUID/,
    );
    assert.match(configError({ public_url: "https://p.example", apps: [APP, APP] }), /listed twice/);
    assert.match(
      configError({ public_url: "https://p.example", apps: [{ ...APP, kind: "delegated" }] }),
      /delegated app needs scopes/,
    );
    assert.match(
      configError({
        public_url: "https://p.example",
        apps: [{ ...APP, credential: { secret: { env: "NOPE" } } }],
      }),
      /NOPE is not set/,
    );
    assert.match(
      configError({
        public_url: "https://p.example",
        apps: [{ ...APP, credential: { secret: { value: "a", env: "B" } } }],
      }),
      /exactly one of value, file or env/,
    );
    assert.match(
      configError({ public_url: "https://p.example", apps: [{ ...APP, cloud: "mars" }] }),
      /cloud/,
    );
    assert.match(
      configError({
        public_url: "https://p.example",
        apps: [{ ...APP, endpoints: { loginn: "https://x.example" } }],
      }),
      /endpoints\.loginn is not a cloud endpoint/,
    );
    assert.match(
      configError({ public_url: "https://p.example", unknown: 1, apps: [APP] }),
      /unknown|Unrecognized/i,
    );
    const secret = configError({
      public_url: "https://p.example",
      apps: [{ ...APP, app_name: "bad name!", credential: { secret: { value: "hunter2-secret" } } }],
    });
    assert.doesNotMatch(secret, /hunter2/);
  });

  test("config files: YAML and JSON, syntax errors and missing files", async () => {
    const dir = mkdtempSync(join(tmpdir(), "entrakit-proxy-config-"));
    try {
      writeFileSync(
        join(dir, "ok.yaml"),
        `public_url: https://p.example\napps:\n  - ${JSON.stringify(APP)}\n`,
      );
      assert.equal((await loadProxyConfig(join(dir, "ok.yaml"))).apps.size, 1);
      writeFileSync(join(dir, "ok.json"), JSON.stringify({ public_url: "https://p.example", apps: [APP] }));
      assert.equal((await loadProxyConfig(join(dir, "ok.json"))).apps.size, 1);
      writeFileSync(join(dir, "bad.yaml"), "public_url: [unclosed\n");
      await assert.rejects(loadProxyConfig(join(dir, "bad.yaml")), /is not valid YAML/);
      await assert.rejects(
        loadProxyConfig(join(dir, "missing.yaml")),
        /Cannot read the proxy config .*ENOENT/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("consent start and callback over HTTP", () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack();
  });
  after(() => stack.close());

  async function start(
    appName: string,
    browser = new Browserless(),
  ): Promise<{ location: URL; browser: Browserless; setCookie: string }> {
    const response = await browser.fetch(`${stack.proxy.url}/consent/${appName}/start`, { method: "POST" });
    assert.equal(response.status, 303);
    return {
      location: new URL(response.headers.get("location")!),
      browser,
      setCookie: response.headers.get("set-cookie") ?? "",
    };
  }

  const callback = (params: Record<string, string>) =>
    `${stack.proxy.url}/callback?${new URLSearchParams(params)}`;
  const title = (html: string) => /<h1>([^<]*)<\/h1>/.exec(html)?.[1];

  test("application start: admin consent URL with scope, redirect URI and state; an HttpOnly Lax cookie", async () => {
    const { location, setCookie } = await start(APPLICATION_APP.name);
    assert.equal(location.origin, stack.emulator.url);
    assert.equal(location.pathname, "/organizations/v2.0/adminconsent");
    assert.equal(location.searchParams.get("client_id"), APPLICATION_APP.clientId);
    assert.equal(location.searchParams.get("scope"), `${GRAPH}/.default`);
    assert.equal(location.searchParams.get("redirect_uri"), `${stack.proxy.url}/callback`);
    assert.match(location.searchParams.get("state")!, /^[A-Za-z0-9_-]{22}$/);
    assert.match(
      setCookie,
      /^entrakit_proxy_browser=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Lax; Max-Age=900$/,
    );
  });

  test("delegated start: authorization code with PKCE S256, prompt=consent and offline_access", async () => {
    const { location } = await start(DELEGATED_APP.name);
    assert.equal(location.pathname, "/organizations/oauth2/v2.0/authorize");
    const p = location.searchParams;
    assert.equal(p.get("response_type"), "code");
    assert.equal(p.get("scope"), `offline_access ${GRAPH}/${READ_RISKY_USERS}`);
    assert.equal(p.get("code_challenge_method"), "S256");
    assert.match(p.get("code_challenge")!, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(p.get("prompt"), "consent");
  });

  test("a second start in the same browser keeps its cookie", async () => {
    const first = await start(APPLICATION_APP.name);
    const second = await start(APPLICATION_APP.name, first.browser);
    assert.equal(second.setCookie, "");
  });

  test("the callback refuses: no state, unknown state, replayed state, another browser", async () => {
    const none = await fetch(`${stack.proxy.url}/callback`);
    assert.equal(none.status, 400);
    assert.equal(title(await none.text()), "This authorization link is not valid");
    const unknown = await fetch(
      callback({ state: "A".repeat(22), admin_consent: "True", tenant: DEV_TENANT.id }),
    );
    assert.equal(unknown.status, 400);

    const { location, browser: starter } = await start(APPLICATION_APP.name);
    const state = location.searchParams.get("state")!;
    const stranger = await new Browserless().fetch(
      callback({ state, admin_consent: "True", tenant: DEV_TENANT.id }),
    );
    assert.equal(stranger.status, 400);
    assert.equal(title(await stranger.text()), "Authorization started in another browser");

    const browser = new Browserless();
    const done = await consentOverHttp(stack, APPLICATION_APP.name, "accept", browser);
    assert.equal(done.status, 200);
    const registrations = (await stack.proxy.registrations.list()).length;
    // The state the stranger burnt stays burnt, even for the right browser: nothing is created.
    const again = await starter.fetch(callback({ state, admin_consent: "True", tenant: DEV_TENANT.id }));
    assert.equal(again.status, 400);
    assert.equal((await stack.proxy.registrations.list()).length, registrations);
  });

  test("the callback refuses: an error answer, no admin consent, no tenant, a code for an application app", async () => {
    const cases: Array<[Record<string, string>, string]> = [
      [
        { error: "server_error", error_description: "AADSTS90000: boom\r\nTrace ID: x" },
        "Microsoft did not authorize the app",
      ],
      [{ error: "access_denied", error_subcode: "cancel" }, "Consent was declined"],
      [{ admin_consent: "False", tenant: DEV_TENANT.id }, "The consent did not name your tenant"],
      [{ admin_consent: "True" }, "The consent did not name your tenant"],
      [{ admin_consent: "True", tenant: "<script>" }, "The consent did not name your tenant"],
    ];
    const before = (await stack.proxy.registrations.list()).length;
    for (const [params, expected] of cases) {
      const { location, browser } = await start(APPLICATION_APP.name);
      const page = await browser.fetch(callback({ ...params, state: location.searchParams.get("state")! }));
      const html = await page.text();
      assert.equal(page.status, 400);
      assert.equal(title(html), expected);
      assert.doesNotMatch(html, /Trace ID|<script>/);
    }
    const { location, browser } = await start(DELEGATED_APP.name);
    const noCode = await browser.fetch(callback({ state: location.searchParams.get("state")! }));
    assert.equal(title(await noCode.text()), "Microsoft sent no authorization code");
    const { location: l2, browser: b2 } = await start(DELEGATED_APP.name);
    const badCode = await b2.fetch(callback({ state: l2.searchParams.get("state")!, code: "forged-code" }));
    assert.equal(title(await badCode.text()), "Microsoft refused the sign-in");
    assert.equal((await stack.proxy.registrations.list()).length, before);
    assert.ok(stack.audit.some((line) => line.includes('"reason":"declined"')));
  });

  test("a forged admin consent answer naming another tenant gets no registration", async () => {
    // The attacker starts a flow in their own browser and answers the callback with a victim's tenant.
    const before = (await stack.proxy.registrations.list()).length;
    const { location, browser } = await start(APPLICATION_APP.name);
    const forged = await browser.fetch(
      callback({
        state: location.searchParams.get("state")!,
        admin_consent: "True",
        tenant: DEV_TENANT_P1.id,
      }),
    );
    assert.equal(forged.status, 303);
    const confirm = new URL(forged.headers.get("location")!);
    assert.equal(confirm.pathname, `/${DEV_TENANT_P1.id}/oauth2/v2.0/authorize`);
    assert.equal(confirm.searchParams.get("scope"), "openid");
    assert.equal(confirm.searchParams.get("code_challenge_method"), "S256");
    const http = createHttpClient({ retry: false });
    const attacker = { login: DEV_ADMIN.userPrincipalName, password: DEV_ADMIN.password };
    try {
      // Signing in there as a Contoso admin fails at Microsoft (the sign-in page never lets them through)...
      await assert.rejects(signInThroughBrowser(http, confirm.toString(), attacker), /never redirected back/);
      // ...and a sign-in moved to the attacker's own tenant does not count for the named one.
      const again = await start(APPLICATION_APP.name, browser);
      const forged2 = await browser.fetch(
        callback({
          state: again.location.searchParams.get("state")!,
          admin_consent: "True",
          tenant: DEV_TENANT_P1.id,
        }),
      );
      const moved = forged2.headers.get("location")!.replace(`/${DEV_TENANT_P1.id}/`, "/organizations/");
      const mismatch = await browser.fetch(await signInThroughBrowser(http, moved, attacker));
      assert.equal(mismatch.status, 400);
      // The code is exchanged at the named tenant, which refuses a code from another one.
      assert.equal(title(await mismatch.text()), "Microsoft refused the sign-in");
    } finally {
      await http.close();
    }
    assert.equal((await stack.proxy.registrations.list()).length, before);
  });

  test("pages: unknown app, wrong methods, security headers and CSP, escaped text", async () => {
    const unknown = await fetch(`${stack.proxy.url}/consent/nope`);
    assert.equal(unknown.status, 404);
    assert.equal((await fetch(`${stack.proxy.url}/consent/%E0%A4%A`)).status, 404);
    assert.equal((await fetch(`${stack.proxy.url}/consent/${APPLICATION_APP.name}/start`)).status, 405);
    const page = await fetch(`${stack.proxy.url}/consent/${APPLICATION_APP.name}`);
    const html = await page.text();
    assert.equal(page.headers.get("cache-control"), "no-store");
    assert.equal(page.headers.get("x-frame-options"), "DENY");
    assert.equal(page.headers.get("referrer-policy"), "no-referrer");
    const csp = page.headers.get("content-security-policy")!;
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, new RegExp(`form-action 'self' ${stack.emulator.url}`));
    assert.doesNotMatch(html, /<link|src="http|href="http/, "no external assets");
    const index = await fetch(`${stack.proxy.url}/`);
    assert.match(await index.text(), new RegExp(`href="/consent/${APPLICATION_APP.name}"`));
    assert.equal((await fetch(`${stack.proxy.url}/nothing-here`)).status, 404);
  });
});

describe("certificate credentials, TLS from files, forwarded headers", () => {
  test("a certificate-credential app over HTTPS: the credential trusts the proxy's CA and gets tokens", async () => {
    const dir = mkdtempSync(join(tmpdir(), "entrakit-proxy-tls-"));
    const emulator = await startEmulator({ config: { graph: { seed: 1, riskyUsers: 3, detections: 1 } } });
    const store = await openStore("memory:");
    try {
      const cert = await makeCertificate("northwind vendor app");
      const pki = await createTestPki();
      writeFileSync(join(dir, "app.crt"), cert.certificatePem);
      writeFileSync(join(dir, "app.key"), cert.privateKey.export({ type: "pkcs8", format: "pem" }) as string);
      writeFileSync(join(dir, "tls.crt"), pki.certPem);
      writeFileSync(join(dir, "tls.key"), pki.keyPem);
      emulator.admin.seed({
        tenants: [VENDOR_TENANT],
        apps: [
          {
            clientId: APPLICATION_APP.clientId,
            displayName: "Northwind (certificate)",
            homeTenant: VENDOR_TENANT.id,
            certificates: [{ pem: cert.certificatePem }],
            multiTenant: true,
            applicationPermissions: [{ resource: GRAPH, value: READ_RISKY_USERS }],
          },
        ],
        consents: [
          {
            tenant: DEV_TENANT.id,
            clientId: APPLICATION_APP.clientId,
            resource: GRAPH,
            applicationPermissions: [READ_RISKY_USERS],
          },
        ],
      });
      const proxy = await startProxy({
        config: {
          public_url: "https://localhost:1",
          listen: { port: 0 },
          tls: { cert_file: join(dir, "tls.crt"), key_file: join(dir, "tls.key") },
          audit_log: join(dir, "audit.jsonl"),
          apps: [
            {
              app_name: "cert-app",
              client_id: APPLICATION_APP.clientId,
              kind: "application",
              credential: {
                certificate: { file: join(dir, "app.crt") },
                private_key: { file: join(dir, "app.key") },
              },
              endpoints: { login: emulator.url },
              resource: GRAPH,
              display_name: "Northwind (certificate)",
            },
          ],
        },
        store,
      });
      try {
        assert.match(proxy.url, /^https:\/\/127\.0\.0\.1:\d+$/);
        const created = await proxy.registrations.create({
          appName: "cert-app",
          kind: "application",
          tenantId: DEV_TENANT.id,
        });
        const credential = new OAuthProxyCredential({
          id: `${created.registration.id}@${proxy.url}/obtain-token`,
          token: DEV_TENANT.id,
          key: created.key,
          appName: "cert-app",
          resource: GRAPH,
          http: createAuthHttp({ caCertificates: [pki.caPem], retry: false }),
        });
        const token = await credential.getToken();
        const claims = JSON.parse(Buffer.from(token.token.split(".")[1]!, "base64url").toString()) as {
          tid: string;
        };
        assert.equal(claims.tid, DEV_TENANT.id);
        const assertions = emulator.admin.requests({ path: `/${DEV_TENANT.id}/oauth2/v2.0/token` });
        assert.equal(assertions.length, 1);
        // Without the CA the client refuses the proxy's certificate: TLS verification stays on.
        const untrusting = new OAuthProxyCredential({
          id: `${created.registration.id}@${proxy.url}/obtain-token`,
          token: DEV_TENANT.id,
          key: created.key,
          appName: "cert-app",
          resource: GRAPH,
          http: createAuthHttp({ retry: false }),
        });
        await assert.rejects(untrusting.getToken());
      } finally {
        await proxy.close();
      }
      const audit = readFileSync(join(dir, "audit.jsonl"), "utf8").trim().split("\n");
      assert.ok(audit.length >= 1);
      assert.equal((JSON.parse(audit[0]!) as { event: string }).event, "token");
      assert.equal(statSync(join(dir, "audit.jsonl")).mode & 0o777, 0o600);
    } finally {
      await store.close();
      await emulator.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("X-Forwarded-For picks the address only when trusted", async () => {
    for (const trusted of [false, true]) {
      const stack = await startStack({
        preConsented: true,
        extra: {
          trust_forwarded_headers: trusted,
          rate_limits: {
            per_registration: { requests: 100, per_seconds: 600 },
            per_address: { requests: 1, per_seconds: 600 },
          },
        },
      });
      try {
        const created = await stack.proxy.registrations.create({
          appName: APPLICATION_APP.name,
          kind: "application",
          tenantId: DEV_TENANT.id,
        });
        const statuses = [];
        for (const address of ["203.0.113.7", "203.0.113.8"]) {
          const response = await fetch(`${stack.proxy.url}/obtain-token`, {
            method: "POST",
            headers: { "content-type": "application/json", "x-forwarded-for": `198.51.100.1, ${address}` },
            body: JSON.stringify({
              app_name: "x",
              registration_id: created.registration.id,
              encrypted_token: "AAAA",
            }),
          });
          statuses.push(response.status);
        }
        assert.deepEqual(statuses, trusted ? [401, 401] : [401, 429]);
      } finally {
        await stack.close();
      }
    }
  });

  test("the audit log target '-' is standard output; files are appended", async () => {
    const dir = mkdtempSync(join(tmpdir(), "entrakit-proxy-audit-"));
    try {
      const path = join(dir, "a.jsonl");
      for (let i = 0; i < 2; i++) {
        const log = openAuditLog(path, () => Date.UTC(2026, 0, 1));
        log.write({
          event: "refusal",
          outcome: "refused",
          reason: "replayed",
          registration: `r${i}`,
          tenant: undefined,
        });
        await log.close();
      }
      const lines = readFileSync(path, "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      assert.deepEqual(lines[1], {
        time: "2026-01-01T00:00:00.000Z",
        event: "refusal",
        outcome: "refused",
        reason: "replayed",
        registration: "r1",
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

test("a wire client reaches a stack started from a YAML file through startProxy(path)", async () => {
  const stack = await startStack({ preConsented: true });
  const dir = mkdtempSync(join(tmpdir(), "entrakit-proxy-yaml-"));
  const store = await openStore("memory:");
  try {
    const path = join(dir, "proxy.yaml");
    writeFileSync(
      path,
      `public_url: https://proxy.example.test\nlisten: { port: 0 }\naudit_log: audit.jsonl\napps:\n  - app_name: ${APPLICATION_APP.name}\n    client_id: ${APPLICATION_APP.clientId}\n    kind: application\n    credential: { secret: { env: VENDOR_SECRET } }\n    endpoints: { login: "${stack.emulator.url}" }\n    display_name: From YAML\n`,
    );
    const proxy = await startProxy({ config: path, store, env: { VENDOR_SECRET: APPLICATION_APP.secret } });
    try {
      const created = await proxy.registrations.create({
        appName: APPLICATION_APP.name,
        kind: "application",
        tenantId: DEV_TENANT.id,
      });
      const response = await obtainTokenOverWire({
        id: `${created.registration.id}@${proxy.url}/obtain-token`,
        key: created.key,
        appName: APPLICATION_APP.name,
        content: DEV_TENANT.id,
      });
      assert.equal(response.status, 200);
    } finally {
      await proxy.close();
    }
    assert.ok(readFileSync(join(dir, "audit.jsonl"), "utf8").includes('"grant":"client_credentials"'));
  } finally {
    await store.close();
    await stack.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
