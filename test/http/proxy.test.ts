import assert from "node:assert/strict";
import { networkInterfaces } from "node:os";
import { after, before, describe, it } from "node:test";
import { createHttpClient, type HttpClient } from "../../src/http/client.ts";
import { NetworkError } from "../../src/http/errors.ts";
import { isAlwaysDirect, proxyFor, proxySettingsFromEnv } from "../../src/http/proxy.ts";
import { type ForwardProxy, startForwardProxy } from "../helpers/forward-proxy.ts";
import { createTestPki, type TestPki } from "../helpers/tls.ts";
import { type ScriptedServer, startScriptedServer } from "./scripted-server.ts";

describe("proxy routing (pure)", () => {
  const settings = proxySettingsFromEnv({
    HTTPS_PROXY: "proxy.corp:3128",
    HTTP_PROXY: "http://plain.corp:8080",
    NO_PROXY: "internal.corp, .svc.local,*.wild.test, 10.0.0.0/8, api.port.test:8443",
  });

  it("reads the variables without touching process.env and adds a missing scheme", () => {
    assert.equal(settings.httpsProxy, "http://proxy.corp:3128");
    assert.equal(settings.httpProxy, "http://plain.corp:8080");
    assert.equal(process.env.ENTRAKIT_SHOULD_NOT_EXIST, undefined);
  });

  it("prefers lower-case names and falls back from HTTPS to ALL_PROXY then HTTP_PROXY", () => {
    assert.equal(
      proxySettingsFromEnv({ https_proxy: "http://a:1", HTTPS_PROXY: "http://b:2" }).httpsProxy,
      "http://a:1",
    );
    assert.equal(proxySettingsFromEnv({ ALL_PROXY: "http://all:1" }).httpsProxy, "http://all:1");
    assert.equal(proxySettingsFromEnv({ HTTP_PROXY: "http://h:1" }).httpsProxy, "http://h:1");
  });

  const table: Array<[string, string | undefined]> = [
    ["https://graph.microsoft.com/v1.0/me", "http://proxy.corp:3128"],
    ["http://example.com/", "http://plain.corp:8080"],
    ["https://internal.corp/", undefined],
    ["https://a.internal.corp/", undefined],
    ["https://notinternal.corp/", "http://proxy.corp:3128"],
    ["https://x.svc.local/", undefined],
    ["https://svc.local/", undefined],
    ["https://deep.wild.test/", undefined],
    ["https://10.1.2.3/", undefined],
    ["https://11.1.2.3/", "http://proxy.corp:3128"],
    ["https://api.port.test:8443/", undefined],
    ["https://api.port.test/", "http://proxy.corp:3128"],
    ["http://localhost:8080/", undefined],
    ["http://app.localhost/", undefined],
    ["http://127.0.0.1:40342/metadata/identity/oauth2/token", undefined],
    ["http://127.8.9.10/", undefined],
    ["http://[::1]:9000/", undefined],
    ["http://169.254.169.254/metadata/identity/oauth2/token", undefined],
  ];
  for (const [url, expected] of table) {
    it(`${url} -> ${expected ?? "direct"}`, () => {
      assert.equal(proxyFor(url, settings), expected);
    });
  }

  it("NO_PROXY=* bypasses everything; loopback and IMDS are direct even with an empty NO_PROXY", () => {
    assert.equal(
      proxyFor("https://graph.microsoft.com/", proxySettingsFromEnv({ HTTPS_PROXY: "p:1", NO_PROXY: "*" })),
      undefined,
    );
    const bare = proxySettingsFromEnv({ HTTP_PROXY: "p:1" });
    assert.equal(proxyFor("http://169.254.169.254/", bare), undefined);
    assert.ok(isAlwaysDirect("LOCALHOST"));
    assert.ok(!isAlwaysDirect("169.254.169.253"));
  });
});

/** A host name that is not loopback-looking but reaches this machine without the proxy's help. */
function localNonLoopbackHost(): string | undefined {
  for (const addresses of Object.values(networkInterfaces())) {
    const found = addresses?.find((address) => address.family === "IPv4" && !address.internal);
    if (found) return found.address;
  }
  return undefined;
}

describe("through a real forward proxy", () => {
  const TEST_HOST = "api.entrakit.test";
  let proxy: ForwardProxy;
  let pki: TestPki;
  let httpServer: ScriptedServer;
  let httpsServer: ScriptedServer;
  let wideServer: ScriptedServer;
  const clients: HttpClient[] = [];
  const client = (options: Parameters<typeof createHttpClient>[0]) => {
    const created = createHttpClient({ retry: false, ...options });
    clients.push(created);
    return created;
  };

  before(async () => {
    // Only the proxy knows that *.entrakit.test lives here: a request that reaches the server went through it.
    proxy = await startForwardProxy({
      resolve: (host) => (host.endsWith(".entrakit.test") ? "127.0.0.1" : host),
    });
    pki = await createTestPki([TEST_HOST]);
    httpServer = await startScriptedServer([(request) => ({ status: 200, body: { path: request.url } })]);
    httpsServer = await startScriptedServer([{ status: 200, body: { secure: true } }], {
      tls: { cert: pki.certPem, key: pki.keyPem },
    });
    wideServer = await startScriptedServer([{ status: 200, body: "wide" }], { host: "0.0.0.0" });
  });

  after(async () => {
    await Promise.all(clients.map((created) => created.close()));
    await Promise.all([proxy.close(), httpServer.close(), httpsServer.close(), wideServer.close()]);
  });

  it("uses HTTPS_PROXY for HTTPS (a CONNECT tunnel) and still verifies the server's certificate", async () => {
    const before = proxy.tunnels.length;
    const https = client({
      useSystemProxy: true,
      env: { HTTPS_PROXY: proxy.url },
      caCertificates: [pki.caPem],
    });
    const response = await https.send({
      method: "GET",
      url: `https://${TEST_HOST}:${httpsServer.port}/secure`,
    });
    assert.equal(response.status, 200);
    assert.deepEqual(JSON.parse(response.text), { secure: true });
    assert.deepEqual(proxy.tunnels.slice(before), [`${TEST_HOST}:${httpsServer.port}`]);

    const untrusting = client({ useSystemProxy: true, env: { HTTPS_PROXY: proxy.url } });
    await assert.rejects(
      untrusting.send({ method: "GET", url: `https://${TEST_HOST}:${httpsServer.port}/secure` }),
      (error: unknown) => error instanceof NetworkError && error.kind === "tls",
    );
  });

  it("uses HTTP_PROXY for plain HTTP", async () => {
    const before = proxy.relayed();
    const http = client({ useSystemProxy: true, env: { HTTP_PROXY: proxy.url } });
    const response = await http.send({
      method: "GET",
      url: `http://${TEST_HOST}:${httpServer.port}/plain?x=1`,
    });
    assert.equal(response.status, 200);
    assert.deepEqual(JSON.parse(response.text), { path: "/plain?x=1" });
    assert.equal(proxy.relayed() - before, 1);
  });

  it("sends proxy credentials to the proxy, never to the server, and redacts them from the route", async () => {
    const authUrl = proxy.url.replace("http://", "http://user:pa%24s@");
    const http = client({ useSystemProxy: true, env: { HTTPS_PROXY: authUrl }, caCertificates: [pki.caPem] });
    const seen = httpsServer.received.length;
    await http.send({ method: "GET", url: `https://${TEST_HOST}:${httpsServer.port}/` });
    assert.equal(proxy.proxyAuthorizations.at(-1), `Basic ${Buffer.from("user:pa$s").toString("base64")}`);
    assert.equal(httpsServer.received[seen]?.headers["proxy-authorization"], undefined);
    const route = http.transport.dispatcherFor(`https://${TEST_HOST}/`);
    assert.ok(route.proxy && !route.proxy.includes("pa%24s") && !route.proxy.includes("pa$s"));
  });

  it("bypasses the proxy for loopback whatever the variables say", async () => {
    const before = proxy.relayed();
    const env = { HTTP_PROXY: proxy.url, HTTPS_PROXY: proxy.url, NO_PROXY: "" };
    const http = client({ useSystemProxy: true, env });
    assert.equal(
      (await http.send({ method: "GET", url: `http://127.0.0.1:${httpServer.port}/` })).status,
      200,
    );
    assert.equal(
      (await http.send({ method: "GET", url: `http://localhost:${httpServer.port}/` })).status,
      200,
    );
    assert.equal(proxy.relayed(), before);
  });

  it("never proxies the instance metadata address", async () => {
    const before = proxy.relayed();
    const http = client({
      useSystemProxy: true,
      env: { HTTP_PROXY: proxy.url },
      connectTimeoutMs: 300,
      requestTimeoutMs: 600,
    });
    // Off Azure nothing answers there; on Azure IMDS does. Either way the proxy must not see it.
    await http
      .send({
        method: "GET",
        url: "http://169.254.169.254/metadata/identity/oauth2/token?api-version=2018-02-01",
      })
      .catch((error: unknown) => assert.ok(error instanceof NetworkError && error.kind !== "proxy"));
    assert.equal(proxy.relayed(), before);
  });

  it("honours NO_PROXY for a non-loopback host that resolves locally, and proxies it otherwise", async (t) => {
    const host = localNonLoopbackHost();
    if (!host) {
      t.skip("this machine has no non-loopback IPv4 interface");
      return;
    }
    const url = `http://${host}:${wideServer.port}/`;
    const before = proxy.relayed();
    const bypass = client({ useSystemProxy: true, env: { HTTP_PROXY: proxy.url, NO_PROXY: host } });
    assert.equal((await bypass.send({ method: "GET", url })).text, "wide");
    assert.equal(proxy.relayed(), before, "NO_PROXY host went direct");
    const proxied = client({
      useSystemProxy: true,
      env: { HTTP_PROXY: proxy.url, NO_PROXY: "other.example" },
    });
    assert.equal((await proxied.send({ method: "GET", url })).text, "wide");
    assert.equal(proxy.relayed(), before + 1, "the same host without NO_PROXY went through the proxy");
  });

  it("`direct: true` (managed identity) skips the proxy for any host", async () => {
    const host = localNonLoopbackHost() ?? "127.0.0.1";
    const before = proxy.relayed();
    const http = client({ proxyUrl: proxy.url });
    await http.send({ method: "GET", url: `http://${host}:${wideServer.port}/`, direct: true });
    assert.equal(proxy.relayed(), before);
  });

  it("without 'Use system proxy' the variables are ignored", async () => {
    const http = client({ env: { HTTP_PROXY: proxy.url } });
    assert.equal(http.transport.dispatcherFor(`http://${TEST_HOST}/`).proxy, undefined);
  });

  it("a proxy that refuses gives a proxy error with the reference's advice", async () => {
    const refusing = await startForwardProxy({ refuseWith: 407 });
    try {
      const http = client({
        useSystemProxy: true,
        env: { HTTPS_PROXY: refusing.url },
        caCertificates: [pki.caPem],
      });
      await assert.rejects(
        http.send({ method: "GET", url: `https://${TEST_HOST}:${httpsServer.port}/` }),
        (error: unknown) =>
          error instanceof NetworkError &&
          error.kind === "proxy" &&
          /Proxy Error/.test(error.message) &&
          /Use system proxy/.test(error.hint ?? ""),
      );
    } finally {
      await refusing.close();
    }
  });
});
