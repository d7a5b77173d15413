/**
 * The reference's unit-test cases (spec azure-risky-users.md §5) re-expressed over real HTTP against a
 * scripted loopback server, plus the paging and error behaviours the issue adds.
 */
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { EntrakitError } from "../../../src/errors.ts";
import { azureRiskyUsersModule } from "../../../src/integrations/azure-risky-users/index.ts";
import { parseCommandLine } from "../../../src/runtime/command-line.ts";
import { runCommand } from "../../../src/runtime/dispatch.ts";
import { toJsonEntry } from "../../../src/runtime/result.ts";
import { fetchApiClient } from "../fetch-client.ts";
import { type FixtureRequest, startFixture, threeUsers } from "./fixture-server.ts";

const NOW = Date.UTC(2026, 0, 15, 8, 0, 0);
const USERS = "/v1.0/identityProtection/riskyUsers";
const DETECTIONS = "/v1.0/identityProtection/riskDetections";

/** The reference's mock: the same three users and a nextLink, on every call. */
const looping = await startFixture((request, origin) => {
  if (request.path === "/v1.0//token" || request.path === USERS) {
    return {
      body: {
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#identityProtection/riskyUsers",
        value: threeUsers(),
        "@odata.nextLink": `${origin}${USERS}?$skiptoken=next`,
      },
    };
  }
  if (request.path === `${USERS}/1`)
    return { body: { "@odata.context": "ctx/$entity", ...threeUsers()[1], id: "1" } };
  if (request.path === DETECTIONS) return { body: { value: [{ id: "1", riskLevel: "low" }, { id: "2" }] } };
  if (request.path === `${DETECTIONS}/1`)
    return { body: { id: "1", riskEventType: "unfamiliarFeatures", location: { city: "Seattle" } } };
  return { status: 404, body: { error: { code: "ResourceNotFound", message: "not here" } } };
});
after(() => looping.close());

async function run(line: string, baseUrl = looping.url) {
  const client = fetchApiClient(baseUrl);
  const progress: string[] = [];
  const results = await runCommand(azureRiskyUsersModule, parseCommandLine(line), {
    client,
    now: () => NOW,
    progress: (message) => progress.push(message),
  });
  return { results, requests: client.requests.map((r) => new URL(r.url)), posts: client.requests, progress };
}

async function fails(line: string, baseUrl: string): Promise<EntrakitError> {
  try {
    await run(line, baseUrl);
  } catch (error) {
    assert.ok(error instanceof EntrakitError, String(error));
    assert.ok(!error.toLine().includes("\n"));
    return error;
  }
  assert.fail(`${line} should fail`);
}

test("§5.1 list limit=20: pages until 20, one entry, the synthetic three-key raw response", async () => {
  const { results, requests } = await run("!azure-risky-users-list limit=20");
  assert.equal(results.length, 1);
  const [entry] = results;
  assert.equal(entry!.outputs!.prefix, "AzureRiskyUsers.RiskyUser");
  assert.equal(entry!.outputs!.key, "id");
  assert.equal((entry!.outputs!.data as unknown[]).length, 20);
  assert.deepEqual(Object.keys(entry!.raw as object), ["value", "@odata.context", "@odata.nextLink"]);
  assert.equal(requests.length, 7);
  assert.equal(requests[0]!.searchParams.get("$top"), "20");
  assert.equal(requests[0]!.searchParams.get("$orderby"), "riskLastUpdatedDateTime desc");
  assert.equal(requests[0]!.searchParams.get("$filter"), null);
  // nextLinks are followed exactly as given.
  assert.ok(
    requests
      .slice(1)
      .every((url) => url.search === "?$skiptoken=next" || url.search === "?%24skiptoken=next"),
  );
});

test("§5.2 page_size=3: one call, Graph's body as raw, and the (true) next-token entry", async () => {
  const { results, requests } = await run("!azure-risky-users-list page_size=3");
  assert.equal(requests.length, 1);
  assert.equal(requests[0]!.searchParams.get("$top"), "3");
  assert.equal(results.length, 2);
  assert.equal(Object.keys(results[0]!.raw as object).length, 3);
  const token = toJsonEntry(results[1]!);
  assert.equal(token.contextKey, "AzureRiskyUsers(true)");
  assert.deepEqual(token.outputs!.data, {
    RiskyUserListNextToken: `${looping.origin}${USERS}?$skiptoken=next`,
  });
  assert.equal(
    results[1]!.readable,
    `### Risky Users List Token:\n|next_token|\n|---|\n| ${looping.origin}${USERS}?$skiptoken=next |\n`,
  );
});

test("§5.3 next_token: one GET to that exact URL, none to the list path, other arguments ignored", async () => {
  const token = `${looping.url}//token`;
  const { results, requests } = await run(
    `!azure-risky-users-list next_token=${token} risk_level=high limit=7`,
  );
  assert.deepEqual(
    requests.map((url) => url.href),
    [token],
  );
  assert.equal((results[0]!.outputs!.data as unknown[]).length, 3);
  assert.equal(Object.keys(results[0]!.raw as object).length, 3);
  assert.equal(results.length, 2);
  assert.deepEqual(results[1]!.outputs!.data, {
    RiskyUserListNextToken: `${looping.origin}${USERS}?$skiptoken=next`,
  });
});

test("§5.4 / §5.15 limit=6: exactly one extra request, the three items twice, no token entry", async () => {
  const { results, requests } = await run("!azure-risky-users-list limit=6");
  assert.equal(requests.length, 2);
  assert.equal(results.length, 1);
  const data = results[0]!.outputs!.data as { id: string }[];
  assert.deepEqual(
    data.map((u) => u.id),
    [...threeUsers(), ...threeUsers()].map((u) => u.id),
  );
  assert.equal(
    (results[0]!.raw as Record<string, unknown>)["@odata.nextLink"],
    `${looping.origin}${USERS}?$skiptoken=next`,
  );
});

test("§5.5 / §5.6 order_by and a relative updated_after reach the query; the first id is 111", async () => {
  const { results, requests } = await run(
    '!azure-risky-users-list order_by="riskLastUpdatedDateTime asc" updated_after="500 days ago" risk_state=atRisk limit=10',
  );
  assert.equal((results[0]!.outputs!.data as { id: string }[])[0]!.id, "111");
  const first = requests[0]!;
  assert.equal(first.searchParams.get("$orderby"), "riskLastUpdatedDateTime asc");
  assert.equal(
    first.searchParams.get("$filter"),
    "riskState eq 'atRisk' and riskLastUpdatedDateTime ge 2024-09-02T08:00:00.0000000Z",
  );
  // Parameters go in the reference's order: $top, $orderby, $filter.
  assert.deepEqual([...first.searchParams.keys()], ["$top", "$orderby", "$filter"]);
});

test("§5.7 get id=1: the path, prefix and key, and the whole body as raw", async () => {
  const { results, requests } = await run("!azure-risky-user-get id=1");
  assert.equal(requests[0]!.pathname, `${USERS}/1`);
  assert.equal(results[0]!.outputs!.prefix, "AzureRiskyUsers.RiskyUser");
  assert.equal((results[0]!.raw as { id: string }).id, "1");
  assert.equal((results[0]!.outputs!.data as Record<string, unknown>)["@odata.context"], "ctx/$entity");
  assert.match(results[0]!.readable, /^### Found Risky User With ID: 1\n\|Id\|User Display Name\|/);
});

test("§5.8 detections list limit=20 page=1: Graph's body as raw", async () => {
  const { results, requests } = await run("!azure-risky-users-risk-detections-list limit=20 page=1");
  assert.equal(requests.length, 1);
  assert.equal(requests[0]!.searchParams.get("$top"), "20");
  assert.equal(requests[0]!.searchParams.get("$orderby"), "detectedDateTime desc");
  assert.equal(results[0]!.outputs!.prefix, "AzureRiskyUsers.RiskDetection");
  assert.equal((results[0]!.raw as { value: { id: string }[] }).value[0]!.id, "1");
  assert.ok(
    results[0]!.readable.startsWith(
      "### Risk Detections List\nCurrent page size: 20\nShowing page 1 out others that may exist\n" +
        "|Id|User Id|User Display Name|User Principal Name|Risk Detail|Risk Event Type|Risk Level|Risk State|Risk Detail|Last Updated Date Time|Ip Address|\n",
    ),
  );
});

test("§5.9 detection get id=1", async () => {
  const { results, requests } = await run("!azure-risky-users-risk-detection-get id=1");
  assert.equal(requests[0]!.pathname, `${DETECTIONS}/1`);
  assert.equal(results[0]!.outputs!.key, "id");
  assert.equal((results[0]!.raw as { id: string }).id, "1");
  assert.match(results[0]!.readable, /^### Found Risk Detection with ID: 1\n/);
  assert.match(results[0]!.readable, /\| city: Seattle \|\n$/);
});

test("§5.11 detections page beyond the data: the empty result with the reference's text", async () => {
  // Two detections, no nextLink: page 2 of size 2 does not exist.
  const { results } = await run("!azure-risky-users-risk-detections-list limit=2 page=2");
  assert.deepEqual(results, [
    {
      readable: "Risk Detections List\nCurrent page size: 2\nShowing page 2 out others that may exist",
      outputs: { prefix: "AzureRiskyUsers.RiskDetection", key: "id", data: [] },
      raw: [],
    },
  ]);
});

test("§5.16 no nextLink: no extra request", async () => {
  const { requests, results } = await run("!azure-risky-users-risk-detections-list limit=600");
  assert.equal(requests.length, 1);
  assert.equal(requests[0]!.searchParams.get("$top"), "500");
  assert.equal((results[0]!.outputs!.data as unknown[]).length, 2);
});

test("the deprecated page argument fails with the reference's text", async () => {
  const error = await fails("!azure-risky-users-list page=2", looping.url);
  assert.equal(error.message, "Page argument is deprecated, please use next_token and page_size instead.");
});

// ---- paging over a real collection -------------------------------------------------------------------

const detectionsTotal = 1_234;
const pageOf = (request: FixtureRequest) => Math.min(Number(request.query.get("$top") ?? 20), 500);
const collection = await startFixture((request, origin) => {
  if (request.path !== DETECTIONS && request.path !== USERS)
    return { status: 404, body: { error: { code: "NotFound", message: "" } } };
  const top = pageOf(request);
  if (Number(request.query.get("$top")) > 500) {
    return { status: 400, body: { error: { code: "BadRequest", message: "$top is over 500" } } };
  }
  const skip = Number(request.query.get("$skiptoken") ?? 0);
  // Graph's bug: a nextLink that lands exactly on the end answers 400 with an empty message.
  if (skip >= detectionsTotal) return { status: 400, body: { error: { code: "BadRequest", message: "" } } };
  const value = Array.from({ length: Math.min(top, detectionsTotal - skip) }, (_, i) => ({
    id: String(skip + i),
  }));
  const next = skip + top;
  return {
    body: {
      "@odata.context": `${origin}/v1.0/$metadata`,
      value,
      ...(next <= detectionsTotal
        ? { "@odata.nextLink": `${origin}${request.path}?$top=${top}&$skiptoken=${next}` }
        : {}),
    },
  };
});
after(() => collection.close());

test("detections page > 1 walks nextLinks and never asks for $top over 500", async () => {
  const { results, requests } = await run(
    "!azure-risky-users-risk-detections-list limit=50 page=12",
    collection.url,
  );
  const ids = (results[0]!.outputs!.data as { id: string }[]).map((d) => Number(d.id));
  assert.deepEqual(
    ids,
    Array.from({ length: 50 }, (_, i) => 550 + i),
  );
  assert.equal(requests.length, 12);
  assert.ok(requests.every((url) => Number(url.searchParams.get("$top")) <= 500));
  assert.match(results[0]!.readable, /Showing page 12 out others/);
});

test("a 400 on a last nextLink ends paging cleanly (Graph docs issue 16332)", async () => {
  // First a whole collection (500, 500, 234, no link after the last page) to show the walk ends by itself.
  const { results, requests, progress } = await run(
    "!azure-risky-users-list limit=5000 page_size=",
    collection.url,
  );
  assert.equal((results[0]!.outputs!.data as unknown[]).length, detectionsTotal);
  assert.equal(requests.length, 3);
  assert.ok(progress.length >= 2 && progress[0]!.includes("risky users"));

  // Then a collection whose last nextLink points exactly at the end, where Graph answers 400.
  const exact = await startFixture((request, origin) => {
    const skip = Number(request.query.get("$skiptoken") ?? 0);
    if (skip >= 4) return { status: 400, body: { error: { code: "BadRequest", message: "" } } };
    return {
      body: {
        value: [{ id: `${skip}` }, { id: `${skip + 1}` }],
        "@odata.nextLink": `${origin}${USERS}?$skiptoken=${skip + 2}`,
      },
    };
  });
  try {
    const walked = await run("!azure-risky-users-list limit=10", exact.url);
    assert.equal((walked.results[0]!.outputs!.data as unknown[]).length, 4);
    assert.equal((walked.results[0]!.raw as Record<string, unknown>)["@odata.nextLink"], null);
    // The same 400 on a user-supplied next_token is an empty page, not an error.
    const last = await run(
      `!azure-risky-users-list next_token=${exact.origin}${USERS}?$skiptoken=4`,
      exact.url,
    );
    assert.equal(last.results.length, 1);
    assert.equal(last.results[0]!.readable, "### Risky Users List:\n**No entries.**\n");
  } finally {
    await exact.close();
  }
});

test("the last-page bug does not lose the last page: the link is asked again with another page size", async () => {
  // Graph's bug as reported: following a nextLink whose remaining items exactly fill a page answers 400.
  const total = 6;
  const buggy = await startFixture((request, origin) => {
    const top = Number(request.query.get("$top") ?? 20);
    const skip = Number(request.query.get("$skiptoken") ?? 0);
    if (request.query.has("$skiptoken") && total - skip === top) {
      return { status: 400, body: { error: { code: "BadRequest", message: "" } } };
    }
    const value = Array.from({ length: Math.min(top, total - skip) }, (_, i) => ({ id: `u${skip + i}` }));
    const next = skip + value.length;
    return {
      body: {
        value,
        ...(next < total ? { "@odata.nextLink": `${origin}${USERS}?$top=${top}&$skiptoken=${next}` } : {}),
      },
    };
  });
  try {
    const walked = await run("!azure-risky-users-list limit=100", buggy.url);
    assert.deepEqual(
      (walked.results[0]!.outputs!.data as { id: string }[]).map((u) => u.id),
      ["u0", "u1", "u2", "u3", "u4", "u5"],
    );
    assert.deepEqual(
      walked.requests.map((url) => url.search.replaceAll("%24", "$")),
      ["?$top=100&$orderby=riskLastUpdatedDateTime+desc"],
      "one page of 100 holds everything",
    );
    const paged = await run("!azure-risky-users-list page_size=3", buggy.url);
    const token = paged.results[1]!.outputs!.data as { RiskyUserListNextToken: string };
    const last = await run(`!azure-risky-users-list next_token=${token.RiskyUserListNextToken}`, buggy.url);
    assert.deepEqual(
      last.requests.map((url) => url.search.replaceAll("%24", "$")),
      ["?$top=3&$skiptoken=3", "?$top=4&$skiptoken=3"],
    );
    assert.deepEqual(
      (last.results[0]!.outputs!.data as { id: string }[]).map((u) => u.id),
      ["u3", "u4", "u5"],
    );
    assert.equal(last.results.length, 1, "no token after the real last page");
    const small = await run("!azure-risky-users-list limit=6 page_size=2", buggy.url);
    assert.equal((small.results[0]!.outputs!.data as unknown[]).length, 2);
  } finally {
    await buggy.close();
  }
});

test("limit streams across pages and truncates exactly", async () => {
  const { results, requests } = await run("!azure-risky-users-list limit=1200", collection.url);
  assert.equal((results[0]!.outputs!.data as unknown[]).length, 1200);
  assert.deepEqual(
    requests.map((url) => url.searchParams.get("$top")),
    ["500", "500", "500"],
  );
});

// ---- errors and writes ---------------------------------------------------------------------------------

const refusing = await startFixture((request) => {
  if (request.path.endsWith("/riskDetections/busy")) {
    return { status: 429, body: { error: { code: "TooManyRequests", message: "Too many requests." } } };
  }
  if (request.path.includes("/riskyUsers/ghost")) {
    return { status: 404, body: { error: { code: "ResourceNotFound", message: "Resource not found." } } };
  }
  if (request.path.endsWith("/riskDetections")) {
    return {
      status: 403,
      body: {
        error: {
          code: "Authorization_RequestDenied",
          message: "Insufficient privileges to complete the operation.",
        },
      },
    };
  }
  if (request.path.endsWith("/riskyUsers")) {
    return {
      status: 403,
      body: { error: { code: "Forbidden", message: "Your tenant is not licensed for this feature." } },
    };
  }
  if (request.path.endsWith("/riskyUsers/dismiss") || request.path.endsWith("/riskyUsers/confirmCompromised"))
    return { status: 204 };
  if (request.path.endsWith("/riskyUsers/confirmSafe")) {
    return {
      status: 403,
      body: { error: { code: "Authorization_RequestDenied", message: "Insufficient privileges" } },
    };
  }
  return {
    status: 401,
    body: { error: { code: "InvalidAuthenticationToken", message: "Access token has expired." } },
  };
});
after(() => refusing.close());

test("404 on a user: not a risky user (or not found)", async () => {
  const error = await fails("!azure-risky-user-get id=ghost", refusing.url);
  assert.equal(error.code, "not_found");
  assert.match(error.toLine(), /User ghost is not a risky user \(or not found\).*!azure-risky-users-list/);
  const history = await fails("!azure-risky-user-history-list id=ghost", refusing.url);
  assert.match(history.message, /not a risky user \(or not found\)/);
});

test("403 tells a missing licence from a missing permission, and names it", async () => {
  const licence = await fails("!azure-risky-users-list", refusing.url);
  assert.equal(licence.code, "permission_denied");
  assert.match(
    licence.message,
    /not licensed for !azure-risky-users-list: Microsoft Entra ID P2 is required/,
  );
  const permission = await fails("!azure-risky-users-risk-detections-list", refusing.url);
  assert.equal(permission.code, "permission_denied");
  assert.match(
    permission.message,
    /Authorization_RequestDenied.*lacks the IdentityRiskEvent\.Read\.All permission/,
  );
  const write = await fails("!azure-risky-users-confirm-safe user_ids=a", refusing.url);
  assert.match(write.toLine(), /IdentityRiskyUser\.ReadWrite\.All.*Security Administrator/);
  const throttled = await fails("!azure-risky-users-risk-detection-get id=busy", refusing.url);
  assert.equal(throttled.code, "throttled");
  assert.match(throttled.toLine(), /still throttling .*one request per second per tenant/);
  const expired = await fails("!azure-risky-users-risk-detection-get id=x", refusing.url);
  assert.equal(expired.code, "authentication_failed");
  assert.match(expired.toLine(), /!azure-risky-users-auth-reset/);
});

test("confirm-compromise and dismiss POST the ids (60 per call) and name the users", async () => {
  const ids = Array.from({ length: 61 }, (_, i) => `u${i}`);
  const { results, posts } = await run(
    `!azure-risky-users-confirm-compromise user_ids=${ids.join(",")},u0`,
    refusing.url,
  );
  assert.deepEqual(
    posts.map((p) => [new URL(p.url).pathname, (p.body as { userIds: string[] }).userIds.length]),
    [
      [`${USERS}/confirmCompromised`, 60],
      [`${USERS}/confirmCompromised`, 1],
    ],
  );
  assert.match(results[0]!.readable, /^✅ Confirmed as compromised \(61 users\): u0, u1, /);
  const dismissed = await run('!azure-risky-users-dismiss user_ids="a, b"', refusing.url);
  assert.deepEqual(dismissed.posts[0]!.body, { userIds: ["a", "b"] });
  assert.equal(dismissed.results[0]!.readable, "✅ Dismissed the risk (2 users): a, b.");
  assert.equal(dismissed.results[0]!.outputs, undefined);
});

test("unknown commands and auth commands without a session are clear errors", async () => {
  const unknown = await fails("!azure-risky-users-lst", looping.url);
  assert.equal(unknown.code, "usage");
  assert.match(unknown.toLine(), /azure-risky-users-lst command is not implemented/);
  const auth = await fails("!azure-risky-users-auth-test", looping.url);
  assert.equal(auth.code, "configuration");
});
