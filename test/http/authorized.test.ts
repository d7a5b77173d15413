import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import {
  authorizedJson,
  authorizedRequest,
  claimsChallenge,
  type TokenRequest,
} from "../../src/http/authorized.ts";
import { createHttpClient, type HttpClient } from "../../src/http/client.ts";
import { HttpStatusError } from "../../src/http/errors.ts";
import { collectOData, iterateOData } from "../../src/http/odata.ts";
import { parseServiceError } from "../../src/http/service-error.ts";
import { type ScriptedServer, type Step, startScriptedServer } from "./scripted-server.ts";

/** A credential stand-in that hands out numbered tokens and records what it was asked. */
function tokenSource() {
  const calls: TokenRequest[] = [];
  return {
    calls,
    async getToken(options: TokenRequest = {}) {
      calls.push(options);
      return { token: `token-${calls.length}` };
    },
  };
}

describe("authorized requests", () => {
  const servers: ScriptedServer[] = [];
  const client: HttpClient = createHttpClient({ clock: { sleep: async () => {}, random: () => 0 } });
  const start = async (steps: Step[]) => {
    const server = await startScriptedServer(steps);
    servers.push(server);
    return server;
  };
  after(async () => {
    await client.close();
    await Promise.all(servers.map((server) => server.close()));
  });

  it("retries once after a 401 with a fresh token and the decoded claims challenge", async () => {
    const claims = '{"access_token":{"nbf":{"essential":true,"value":"1700000000"}}}';
    const server = await start([
      {
        status: 401,
        headers: {
          "www-authenticate": `Bearer realm="", error="insufficient_claims", claims="${Buffer.from(claims).toString("base64")}"`,
        },
      },
      (request) =>
        request.headers.authorization === "Bearer token-2"
          ? { status: 200, body: { value: [] } }
          : { status: 401 },
    ]);
    const source = tokenSource();
    const body = await authorizedJson(
      client,
      source,
      { scopes: ["https://graph.microsoft.com/.default"] },
      {
        method: "GET",
        url: `${server.origin}/v1.0/users`,
      },
    );
    assert.deepEqual(body, { value: [] });
    assert.deepEqual(source.calls, [
      { scopes: ["https://graph.microsoft.com/.default"] },
      { scopes: ["https://graph.microsoft.com/.default"], forceRefresh: true, claims },
    ]);
    assert.deepEqual(
      server.received.map((request) => request.headers.authorization),
      ["Bearer token-1", "Bearer token-2"],
    );
  });

  it("retries only once: a second 401 is the caller's error", async () => {
    const server = await start([
      {
        status: 401,
        body: { error: { code: "InvalidAuthenticationToken", message: "Access token is empty." } },
      },
    ]);
    const source = tokenSource();
    await assert.rejects(
      authorizedJson(
        client,
        source,
        { resource: "https://management.azure.com/" },
        { method: "GET", url: `${server.origin}/` },
      ),
      (error: unknown) =>
        error instanceof HttpStatusError &&
        error.code === "authentication_failed" &&
        error.status === 401 &&
        error.serviceCode === "InvalidAuthenticationToken",
    );
    assert.equal(server.received.length, 2);
    assert.equal(source.calls.length, 2);
  });

  it("sends JSON bodies and parses Graph errors with the request id", async () => {
    const server = await start([
      {
        status: 403,
        headers: { "request-id": "req-123" },
        body: {
          error: {
            code: "Authorization_RequestDenied",
            message: "Insufficient privileges to complete the operation.",
          },
        },
      },
    ]);
    await assert.rejects(
      authorizedJson(
        client,
        tokenSource(),
        { scopes: ["s/.default"] },
        {
          method: "POST",
          url: `${server.origin}/v1.0/identityProtection/riskyUsers/confirmCompromised`,
          json: { userIds: ["u1"] },
        },
      ),
      (error: unknown) =>
        error instanceof HttpStatusError &&
        error.code === "permission_denied" &&
        error.requestId === "req-123" &&
        error.message ===
          "Error in API call [403 Authorization_RequestDenied]: Insufficient privileges to complete the operation. (request id req-123)",
    );
    assert.equal(server.received[0]!.headers["content-type"], "application/json");
    assert.deepEqual(JSON.parse(server.received[0]!.body), { userIds: ["u1"] });
  });

  it("returns undefined for 204 and passes other statuses through authorizedRequest untouched", async () => {
    const server = await start([{ status: 204 }, { status: 404, body: "missing" }]);
    assert.equal(
      await authorizedJson(
        client,
        tokenSource(),
        { scopes: ["s"] },
        { method: "DELETE", url: `${server.origin}/a` },
      ),
      undefined,
    );
    const raw = await authorizedRequest(
      client,
      tokenSource(),
      { scopes: ["s"] },
      { method: "GET", url: `${server.origin}/b` },
    );
    assert.equal(raw.status, 404);
    assert.equal(raw.text, "missing");
  });

  it("reads claims challenges in both forms", () => {
    assert.equal(claimsChallenge(undefined), undefined);
    assert.equal(claimsChallenge('Bearer error="invalid_token"'), undefined);
    assert.equal(claimsChallenge(`Bearer claims="${Buffer.from('{"a":1}').toString("base64")}"`), '{"a":1}');
  });
});

describe("service error bodies", () => {
  it("parses Graph, ARM, OAuth, flat and non-JSON shapes", () => {
    assert.deepEqual(
      parseServiceError(
        '{"error":{"code":"Forbidden","message":"No.","innerError":{"request-id":"abc","date":"2026"}}}',
      ),
      { code: "Forbidden", message: "No.", requestId: "abc" },
    );
    assert.deepEqual(
      parseServiceError(
        '{"error":{"code":"AuthorizationFailed","message":"The client does not have authorization."}}',
        {
          "x-ms-request-id": "arm-1",
        },
      ),
      { code: "AuthorizationFailed", message: "The client does not have authorization.", requestId: "arm-1" },
    );
    assert.deepEqual(
      parseServiceError(
        '{"error":"invalid_grant","error_description":"AADSTS70008: Expired.\\r\\nTrace ID: x"}',
      ),
      {
        code: "invalid_grant",
        message: "Expired.",
        requestId: undefined,
      },
    );
    assert.deepEqual(parseServiceError('{"title":"Bad","detail":"Nope"}'), {
      code: "Bad",
      message: "Nope",
      requestId: undefined,
    });
    assert.deepEqual(parseServiceError("<html>Bad gateway</html>"), {
      code: undefined,
      message: "<html>Bad gateway</html>",
      requestId: undefined,
    });
    assert.deepEqual(parseServiceError(""), { code: undefined, message: "", requestId: undefined });
  });
});

describe("OData paging", () => {
  const servers: ScriptedServer[] = [];
  const client = createHttpClient({ retry: false });
  after(async () => {
    await client.close();
    await Promise.all(servers.map((server) => server.close()));
  });

  /** Three pages of two; the next links carry opaque, percent-encoded skip tokens. */
  async function pagedServer() {
    let origin = "";
    const page = (items: number[], next?: string) => ({
      status: 200,
      body: {
        "@odata.context": "x",
        value: items.map((id) => ({ id })),
        ...(next ? { "@odata.nextLink": `${origin}${next}` } : {}),
      },
    });
    const server = await startScriptedServer([
      (request) => {
        if (request.url === "/v1.0/items?$top=2")
          return page([1, 2], "/v1.0/items?$top=2&$skiptoken=a%2Fb%3D%3D");
        if (request.url === "/v1.0/items?$top=2&$skiptoken=a%2Fb%3D%3D")
          return page([3, 4], "/v1.0/items?$skiptoken=Zm9v%2B");
        if (request.url === "/v1.0/items?$skiptoken=Zm9v%2B") return page([5, 6]);
        return { status: 400, body: { error: { code: "BadRequest", message: `unexpected ${request.url}` } } };
      },
    ]);
    origin = server.origin;
    servers.push(server);
    return server;
  }

  const getter = (url: string) =>
    client.send({ method: "GET", url }).then((response) => JSON.parse(response.text));

  it("follows @odata.nextLink exactly as sent until the last page", async () => {
    const server = await pagedServer();
    const items = await collectOData<{ id: number }>(getter, `${server.origin}/v1.0/items?$top=2`);
    assert.deepEqual(
      items.map((item) => item.id),
      [1, 2, 3, 4, 5, 6],
    );
    assert.deepEqual(
      server.received.map((request) => request.url),
      ["/v1.0/items?$top=2", "/v1.0/items?$top=2&$skiptoken=a%2Fb%3D%3D", "/v1.0/items?$skiptoken=Zm9v%2B"],
    );
  });

  it("stops at the limit without fetching pages it does not need", async () => {
    const server = await pagedServer();
    const items: number[] = [];
    for await (const item of iterateOData<{ id: number }>(getter, `${server.origin}/v1.0/items?$top=2`, {
      limit: 3,
    })) {
      items.push(item.id);
    }
    assert.deepEqual(items, [1, 2, 3]);
    assert.equal(server.received.length, 2);
    assert.deepEqual(await collectOData(getter, `${server.origin}/v1.0/items?$top=2`, { limit: 0 }), []);
  });

  it("refuses a page without a value array and a link that loops", async () => {
    await assert.rejects(
      collectOData(async () => ({ id: 1 }), "https://x/one"),
      /not an OData collection/,
    );
    await assert.rejects(
      collectOData(async () => ({ value: [1], "@odata.nextLink": "https://x/same" }), "https://x/same"),
      /kept sending more pages/,
    );
  });
});
