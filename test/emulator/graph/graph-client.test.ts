/**
 * Microsoft's own Graph client against the emulator: a token from the emulator's token endpoint
 * (client credentials with the documented dev app), PageIterator over riskyUsers, and the default
 * middleware's RetryHandler recovering from injected 429/503 answers. The client only sends tokens to
 * HTTPS hosts it knows, so the emulator runs with TLS, its CA trusted, and its host listed in customHosts.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Client, type PageCollection, PageIterator } from "@microsoft/microsoft-graph-client";
import { Agent } from "undici";
import type { RunningEmulator } from "../../../src/emulator/server.ts";
import { DEV_APP, DEV_TENANT } from "../../../src/emulator/well-known.ts";
import { adminPost, startGraphEmulator } from "./support.ts";

async function clientCredentialsToken(emu: RunningEmulator, dispatcher: Agent): Promise<string> {
  const response = await fetch(`${emu.url}/${DEV_TENANT.id}/oauth2/v2.0/token`, {
    method: "POST",
    // @ts-expect-error Node's fetch takes an undici dispatcher; the DOM RequestInit type does not declare it.
    dispatcher,
    body: new URLSearchParams({
      grant_type: "client_credentials",
      client_id: DEV_APP.clientId,
      client_secret: DEV_APP.secret,
      scope: "https://graph.microsoft.com/.default",
    }),
  });
  assert.equal(response.status, 200, "the emulator's token endpoint issues a Graph token");
  return ((await response.json()) as { access_token: string }).access_token;
}

describe("@microsoft/microsoft-graph-client against the Graph emulator", () => {
  let emu: RunningEmulator;
  let client: Client;
  let dispatcher: Agent;
  before(async () => {
    emu = await startGraphEmulator({ seed: 5, riskyUsers: 1234, detections: 50 }, { tls: true });
    dispatcher = new Agent({ connect: { ca: emu.caCert } });
    const token = await clientCredentialsToken(emu, dispatcher);
    client = Client.init({
      authProvider: (done) => done(null, token),
      baseUrl: `${emu.url}/`,
      defaultVersion: "v1.0",
      customHosts: new Set([new URL(emu.url).hostname]),
      fetchOptions: { dispatcher } as RequestInit,
    });
  });
  after(async () => {
    await emu.close();
    await dispatcher.close();
  });

  it("walks every risky user with PageIterator, once each", async () => {
    const first = (await client
      .api("/identityProtection/riskyUsers")
      .top(100)
      .filter("riskState ne 'none'")
      .orderby("riskLastUpdatedDateTime desc")
      .get()) as PageCollection;
    const seen: string[] = [];
    const iterator = new PageIterator(client, first, (item: { id: string; riskState: string }) => {
      assert.notEqual(item.riskState, "none");
      seen.push(item.id);
      return true;
    });
    await iterator.iterate();
    assert.ok(iterator.isComplete());
    assert.equal(new Set(seen).size, seen.length);
    const all = (await client
      .api("/identityProtection/riskyUsers")
      .top(500)
      .select("id,riskState")
      .get()) as PageCollection;
    let expected = all.value.filter((u: { riskState: string }) => u.riskState !== "none").length;
    let link = all["@odata.nextLink"];
    while (link) {
      const page = (await client.api(link).get()) as PageCollection;
      expected += page.value.filter((u: { riskState: string }) => u.riskState !== "none").length;
      link = page["@odata.nextLink"];
    }
    assert.equal(seen.length, expected);
    assert.ok(expected > 1000);
  });

  it("recovers from an injected 429 with Retry-After through its RetryHandler", async () => {
    emu.admin.addFault({
      method: "GET",
      path: "/v1.0/identityProtection/riskDetections",
      status: 429,
      count: 2,
      retryAfterSeconds: 0,
    });
    const page = (await client.api("/identityProtection/riskDetections").top(5).get()) as PageCollection;
    assert.equal(page.value.length, 5);
    const log = emu.admin.requests({ path: "/v1.0/identityProtection/riskDetections" });
    assert.deepEqual(
      log.slice(-3).map((entry) => entry.status),
      [429, 429, 200],
    );
  });

  it("recovers from the generic throttling mode's 503 + Retry-After, waiting as told", async () => {
    await adminPost(emu, `tenants/${DEV_TENANT.id}/throttling`, {
      mode: "generic",
      status: 503,
      retryAfterSeconds: 1,
      limit: 1,
      windowSeconds: 60,
    });
    try {
      const organization = (await client.api("/organization").get()) as PageCollection;
      assert.equal(organization.value[0].id, DEV_TENANT.id);
      // The window's one request is used: the next call gets 503, the client waits 1 s and succeeds.
      const before = emu.admin.requests({ path: "/v1.0/identityProtection/riskyUsers" }).length;
      const page = (await client.api("/identityProtection/riskyUsers").top(1).get()) as PageCollection;
      assert.equal(page.value.length, 1);
      const statuses = emu.admin
        .requests({ path: "/v1.0/identityProtection/riskyUsers" })
        .slice(before)
        .map((entry) => entry.status);
      // Timers may wake a millisecond early, which the emulator answers with one more 503.
      assert.equal(statuses[0], 503);
      assert.equal(statuses[statuses.length - 1], 200);
      assert.ok(statuses.length <= 3 && statuses.slice(0, -1).every((status) => status === 503));
    } finally {
      await adminPost(emu, `tenants/${DEV_TENANT.id}/throttling`, { mode: "off" });
    }
  });

  it("surfaces Graph's error shape through GraphError", async () => {
    await assert.rejects(
      client.api("/identityProtection/riskyUsers").filter("riskLevel eq 'extreme'").get(),
      (error: unknown) => {
        const graphError = error as { statusCode: number; code: string; message: string; requestId: string };
        assert.equal(graphError.statusCode, 400);
        assert.equal(graphError.code, "BadRequest");
        assert.match(graphError.message, /not a valid enumeration type constant/);
        assert.ok(graphError.requestId);
        return true;
      },
    );
  });
});
