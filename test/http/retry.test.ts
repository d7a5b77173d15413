import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { jsonBody } from "../../src/http/authorized.ts";
import { createHttpClient, type HttpClient } from "../../src/http/client.ts";
import { NetworkError, ThrottledError } from "../../src/http/errors.ts";
import { DEFAULT_RETRY_POLICY, decideRetry, parseRetryAfter, type RetryWait } from "../../src/http/retry.ts";
import { type ScriptedServer, type Step, startScriptedServer } from "./scripted-server.ts";

const NOW = Date.UTC(2026, 10, 23, 9, 0, 0);
const policy = DEFAULT_RETRY_POLICY;
const response = (status: number, headers: Record<string, string> = {}) => ({ status, headers });

describe("retry decisions (pure)", () => {
  it("retries 408 and 5xx except 501/505, nothing else", () => {
    const retried = [408, 500, 502, 503, 504, 507, 599].filter(
      (status) => decideRetry(policy, 0, response(status), NOW, () => 0.5).retry,
    );
    assert.deepEqual(retried, [408, 500, 502, 503, 504, 507, 599]);
    for (const status of [200, 204, 301, 400, 401, 403, 404, 409, 501, 505]) {
      assert.equal(decideRetry(policy, 0, response(status), NOW, () => 0.5).retry, false, String(status));
    }
  });

  it("backs off exponentially with equal jitter, capped", () => {
    const delays = (random: number) =>
      [0, 1, 2, 3, 10].map((attempt) => {
        const decision = decideRetry(
          { ...policy, maxRetries: 20 },
          attempt,
          response(500),
          NOW,
          () => random,
        );
        assert.ok(decision.retry);
        return decision.delayMs;
      });
    assert.deepEqual(delays(0), [500, 1000, 2000, 4000, 32000]);
    assert.deepEqual(delays(0.999999), [1000, 2000, 4000, 8000, 64000]);
  });

  it("honours Retry-After in seconds and as an HTTP date on 429 and 503", () => {
    const seconds = decideRetry(policy, 0, response(429, { "retry-after": "7" }), NOW, () => 0);
    assert.deepEqual(seconds, { retry: true, delayMs: 7000, reason: "HTTP 429 with Retry-After" });
    const date = new Date(NOW + 12_000).toUTCString();
    const dated = decideRetry(policy, 0, response(503, { "retry-after": date }), NOW, () => 0);
    assert.deepEqual(dated, { retry: true, delayMs: 12_000, reason: "HTTP 503 with Retry-After" });
  });

  it("uses a bounded backoff of its own for 429 without Retry-After", () => {
    const waits = [0, 1, 2, 3, 4, 5].map((attempt) => {
      const decision = decideRetry(
        { ...policy, maxRetries: 10 },
        attempt,
        response(429),
        NOW,
        () => 0.999999,
      );
      assert.ok(decision.retry);
      return decision.delayMs;
    });
    assert.deepEqual(waits, [5000, 10000, 20000, 40000, 60000, 60000]);
  });

  it("gives up (and says how long the server wanted) when Retry-After is beyond the budget", () => {
    const decision = decideRetry(policy, 0, response(429, { "retry-after": "3600" }), NOW, () => 0);
    assert.deepEqual(decision, {
      retry: false,
      reason: "Retry-After beyond the wait budget",
      retryAfterMs: 3_600_000,
    });
  });

  it("stops after maxRetries", () => {
    assert.equal(decideRetry(policy, 3, response(500), NOW, () => 0).retry, false);
    assert.equal(decideRetry({ ...policy, maxRetries: 0 }, 0, response(503), NOW, () => 0).retry, false);
  });

  it("retries transient network errors only", () => {
    const reset = new NetworkError("reset", "h", "ECONNRESET");
    const tls = new NetworkError("tls", "h", "DEPTH_ZERO_SELF_SIGNED_CERT");
    assert.equal(decideRetry(policy, 0, { error: reset }, NOW, () => 0).retry, true);
    assert.equal(decideRetry(policy, 0, { error: tls }, NOW, () => 0).retry, false);
  });

  it("parses every Retry-After form", () => {
    assert.equal(parseRetryAfter({ "retry-after": "0" }, NOW), 0);
    assert.equal(parseRetryAfter({ "retry-after": "120" }, NOW), 120_000);
    assert.equal(parseRetryAfter({ "retry-after": new Date(NOW - 5000).toUTCString() }, NOW), 0);
    assert.equal(parseRetryAfter({ "retry-after": "soon" }, NOW), undefined);
    assert.equal(parseRetryAfter({ "retry-after-ms": "250" }, NOW), 250);
    assert.equal(parseRetryAfter({ "x-ms-retry-after-ms": "1500", "retry-after": "9" }, NOW), 1500);
    assert.equal(parseRetryAfter({}, NOW), undefined);
  });
});

describe("retries over real HTTP", () => {
  const servers: ScriptedServer[] = [];
  const clients: HttpClient[] = [];
  after(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await Promise.all(servers.map((server) => server.close()));
  });

  /** A client whose sleeps are recorded, not slept; randomness fixed at 0. */
  function harness(steps: Step[], options: Parameters<typeof createHttpClient>[0] = {}) {
    const sleeps: number[] = [];
    const waits: RetryWait[] = [];
    const client = createHttpClient({
      clock: { now: () => NOW, random: () => 0, sleep: async (ms) => void sleeps.push(ms) },
      onRetry: (wait) => waits.push(wait),
      ...options,
    });
    clients.push(client);
    return {
      client,
      sleeps,
      waits,
      server: startScriptedServer(steps).then((server) => {
        servers.push(server);
        return server;
      }),
    };
  }

  it("retries 503 with Retry-After then 500, then succeeds; every wait is reported", async () => {
    const h = harness([
      { status: 503, headers: { "retry-after": "2" } },
      { status: 500, body: "oops" },
      { status: 200, body: { ok: true } },
    ]);
    const server = await h.server;
    const result = await h.client.send({ method: "GET", url: `${server.origin}/items?$top=1` });
    assert.equal(result.status, 200);
    assert.equal(result.attempts, 3);
    assert.equal(server.received.length, 3);
    assert.deepEqual(h.sleeps, [2000, 1000]);
    assert.deepEqual(
      h.waits.map((wait) => [wait.attempt, wait.delayMs, wait.reason]),
      [
        [2, 2000, "HTTP 503 with Retry-After"],
        [3, 1000, "HTTP 500"],
      ],
    );
    assert.equal(h.waits[0]!.target, `${server.origin}/items`, "the reported target has no query");
  });

  it("honours an HTTP-date Retry-After against the injected clock", async () => {
    const h = harness([
      { status: 429, headers: { "retry-after": new Date(NOW + 30_000).toUTCString() } },
      { status: 204 },
    ]);
    const server = await h.server;
    const result = await h.client.send({ method: "GET", url: `${server.origin}/` });
    assert.equal(result.status, 204);
    assert.deepEqual(h.sleeps, [30_000]);
  });

  it("resends the same POST body on each attempt", async () => {
    const h = harness([{ status: 502 }, { status: 200, body: "{}" }]);
    const server = await h.server;
    await h.client.send({
      method: "POST",
      url: `${server.origin}/token`,
      body: "grant_type=client_credentials",
    });
    assert.deepEqual(
      server.received.map((request) => request.body),
      ["grant_type=client_credentials", "grant_type=client_credentials"],
    );
  });

  it("retries a connection broken by the server", async () => {
    const h = harness([{ destroy: true }, { status: 200, body: "fine" }]);
    const server = await h.server;
    const result = await h.client.send({ method: "GET", url: `${server.origin}/` });
    assert.equal(result.text, "fine");
    assert.equal(server.received.length, 2);
    assert.equal(h.waits.length, 1);
    assert.match(h.waits[0]!.reason, /^network error/);
  });

  it("does not retry 501, 400 or 401", async () => {
    for (const status of [501, 400, 401]) {
      const h = harness([{ status }]);
      const server = await h.server;
      const result = await h.client.send({ method: "GET", url: `${server.origin}/` });
      assert.equal(result.status, status);
      assert.equal(server.received.length, 1, String(status));
      assert.deepEqual(h.sleeps, []);
    }
  });

  it("hands back the last 429 after the retries, which becomes a ThrottledError", async () => {
    const h = harness([
      { status: 429, headers: { "retry-after": "1" }, body: { error: { code: "TooManyRequests" } } },
    ]);
    const server = await h.server;
    const result = await h.client.send({ method: "GET", url: `${server.origin}/` });
    assert.equal(result.status, 429);
    assert.equal(result.attempts, 4);
    assert.equal(server.received.length, 4);
    assert.deepEqual(h.sleeps, [1000, 1000, 1000]);
    assert.throws(
      () => jsonBody(result),
      (error: unknown) =>
        error instanceof ThrottledError && error.code === "throttled" && error.retryAfterMs === 1000,
    );
  });

  it("does not wait for a Retry-After beyond the budget", async () => {
    const h = harness([{ status: 429, headers: { "retry-after": "86400" } }]);
    const server = await h.server;
    const result = await h.client.send({ method: "GET", url: `${server.origin}/` });
    assert.equal(server.received.length, 1);
    assert.deepEqual(h.sleeps, []);
    assert.deepEqual(result.retry, {
      retry: false,
      reason: "Retry-After beyond the wait budget",
      retryAfterMs: 86_400_000,
    });
  });

  it("`retry: false` makes a single attempt; a client default can be overridden per request", async () => {
    const h = harness([{ status: 503 }], { retry: { maxRetries: 1 } });
    const server = await h.server;
    await h.client.send({ method: "GET", url: `${server.origin}/`, retry: false });
    assert.equal(server.received.length, 1);
    await h.client.send({ method: "GET", url: `${server.origin}/` });
    assert.equal(server.received.length, 3);
    await h.client.send({ method: "GET", url: `${server.origin}/`, retry: { maxRetries: 2 } });
    assert.equal(server.received.length, 6);
  });

  it("gives up on a refused connection with a NetworkError after the retries", async () => {
    const h = harness([{ status: 200 }]);
    const server = await h.server;
    const port = server.port;
    await server.close();
    servers.splice(servers.indexOf(server), 1);
    await assert.rejects(
      h.client.send({ method: "GET", url: `http://127.0.0.1:${port}/` }),
      (error: unknown) =>
        error instanceof NetworkError && error.kind === "refused" && error.code === "network",
    );
    assert.equal(h.sleeps.length, 3);
  });

  it("refuses a URL that is not http(s) with a usage error, before any I/O", async () => {
    const h = harness([{ status: 200 }]);
    await h.server;
    for (const url of ["graph.microsoft.com/v1.0/users", "ftp://example.com/x?code=abc"]) {
      await assert.rejects(
        h.client.send({ method: "GET", url }),
        (error: unknown) =>
          error instanceof Error &&
          (error as { code?: string }).code === "usage" &&
          /Not an http\(s\) URL/.test(error.message) &&
          !error.message.includes("code=abc"),
      );
    }
  });

  it("a request cancelled by the caller is not retried", async () => {
    const h = harness([{ status: 503 }]);
    const server = await h.server;
    const controller = new AbortController();
    const client = createHttpClient({
      clock: {
        now: () => NOW,
        random: () => 0,
        sleep: async () => {
          controller.abort();
          throw controller.signal.reason;
        },
      },
    });
    clients.push(client);
    await assert.rejects(
      client.send({ method: "GET", url: `${server.origin}/`, signal: controller.signal }),
      (error: unknown) => error instanceof NetworkError && error.kind === "aborted",
    );
    assert.equal(server.received.length, 1);
  });

  it("times out a request whose answer never comes", async () => {
    const h = harness([() => ({ status: 200 })], { requestTimeoutMs: 150, retry: false });
    const hanging = await import("node:http").then(
      ({ createServer }) =>
        new Promise<{ url: string; close: () => Promise<void> }>((done) => {
          const server = createServer(() => {});
          server.listen(0, "127.0.0.1", () =>
            done({
              url: `http://127.0.0.1:${(server.address() as { port: number }).port}/`,
              close: () => {
                server.closeAllConnections();
                return new Promise<void>((closed) => server.close(() => closed()));
              },
            }),
          );
        }),
    );
    await h.server;
    try {
      await assert.rejects(
        h.client.send({ method: "GET", url: hanging.url }),
        (error: unknown) => error instanceof NetworkError && error.kind === "timeout",
      );
    } finally {
      await hanging.close();
    }
  });
});
