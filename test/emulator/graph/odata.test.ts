import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Collection } from "../../../src/emulator/graph/collection.ts";
import { RISK_DETECTION, RISKY_USER, type RiskyUserRecord } from "../../../src/emulator/graph/entities.ts";
import { GraphError } from "../../../src/emulator/graph/graph-error.ts";
import { compileFilter, normalizeDateTime } from "../../../src/emulator/graph/odata-filter.ts";
import { parseCollectionQuery } from "../../../src/emulator/graph/odata-query.ts";

function user(id: string, overrides: Partial<RiskyUserRecord> = {}): RiskyUserRecord {
  return {
    id,
    isDeleted: false,
    isProcessing: false,
    riskLastUpdatedDateTime: "2024-02-27T04:49:26.2575250Z",
    riskLevel: "low",
    riskState: "atRisk",
    riskDetail: "none",
    userDisplayName: `User ${id}`,
    userPrincipalName: `${id}@contoso.com`,
    ...overrides,
  };
}

const USERS = [
  user("a", { riskLevel: "high", riskLastUpdatedDateTime: "2024-01-01T00:00:00.0000000Z" }),
  user("b", { riskLevel: "medium", riskState: "dismissed", riskDetail: "adminDismissedAllRiskForUser" }),
  user("c", {
    riskLevel: "none",
    riskState: "remediated",
    riskLastUpdatedDateTime: "2024-03-01T12:00:00.5000000Z",
  }),
  user("d", { userDisplayName: "O'Brien", userPrincipalName: "obrien@contoso.com", isDeleted: true }),
];

function ids(filter: string): string[] {
  const predicate = compileFilter(filter, RISKY_USER);
  return USERS.filter(predicate).map((u) => u.id);
}

function rejects(filter: string, message: RegExp, entity = RISKY_USER): void {
  assert.throws(
    () => compileFilter(filter, entity),
    (error: unknown) => error instanceof GraphError && error.status === 400 && message.test(error.message),
  );
}

describe("OData $filter", () => {
  it("eq and ne on enums with plain and typed literals", () => {
    assert.deepEqual(ids("riskLevel eq 'high'"), ["a"]);
    assert.deepEqual(ids("riskLevel eq microsoft.graph.riskLevel'high'"), ["a"]);
    assert.deepEqual(ids("riskState ne 'atRisk'"), ["b", "c"]);
    assert.deepEqual(ids("riskDetail eq microsoft.graph.riskDetail'adminDismissedAllRiskForUser'"), ["b"]);
  });

  it("lt, le, gt, ge on DateTimeOffset literals written without quotes, any offset, up to 7 digits", () => {
    assert.deepEqual(ids("riskLastUpdatedDateTime lt 2024-02-27T04:49:26.2575250Z"), ["a"]);
    assert.deepEqual(ids("riskLastUpdatedDateTime le 2024-02-27T04:49:26.257525Z"), ["a", "b", "d"]);
    assert.deepEqual(ids("riskLastUpdatedDateTime gt 2024-02-27T04:49:26.2575250Z"), ["c"]);
    assert.deepEqual(ids("riskLastUpdatedDateTime ge 2024-03-01T13:00:00.5+01:00"), ["c"]);
    assert.deepEqual(ids("riskLastUpdatedDateTime ge 2024-03-01T12:00Z"), ["c"]);
  });

  it("string comparisons ignore case, and '' escapes a quote", () => {
    assert.deepEqual(ids("userPrincipalName eq 'A@CONTOSO.COM'"), ["a"]);
    assert.deepEqual(ids("userDisplayName eq 'O''Brien'"), ["d"]);
    assert.deepEqual(ids("userPrincipalName gt 'c'"), ["c", "d"]);
    assert.deepEqual(ids("userPrincipalName ne 'a@contoso.com'"), ["b", "c", "d"]);
  });

  it("booleans, and binds tighter than or, parentheses group", () => {
    assert.deepEqual(ids("isDeleted eq true"), ["d"]);
    assert.deepEqual(ids("isDeleted ne true"), ["a", "b", "c"]);
    assert.deepEqual(ids("riskLevel eq 'high' or riskLevel eq 'medium' and riskState eq 'atRisk'"), ["a"]);
    assert.deepEqual(ids("(riskLevel eq 'high' or riskLevel eq 'medium') and riskState eq 'dismissed'"), [
      "b",
    ]);
    assert.deepEqual(ids("((riskState eq 'remediated'))"), ["c"]);
  });

  it("null literals on nullable detection properties", () => {
    const predicate = compileFilter("requestId eq null and ipAddress ne null", RISK_DETECTION);
    assert.equal(predicate({ requestId: null, ipAddress: "1.2.3.4" }), true);
    assert.equal(predicate({ requestId: "x", ipAddress: "1.2.3.4" }), false);
  });

  it("refuses bad filters with a 400 that says what is wrong", () => {
    rejects("riskLevel eq", /literal value expected at position 12/);
    rejects("riskLevel 'high'", /comparison operator .* expected/);
    rejects("riskLevel eq 'high' and", /expression expected/);
    rejects("(riskLevel eq 'high'", /'\)' expected/);
    rejects("riskLevel eq 'high')", /unexpected '\)'/);
    rejects("riskLevel eq 'hgih'", /not a valid enumeration type constant/);
    rejects("riskLevel eq microsoft.graph.riskState'atRisk'", /incompatible types/);
    rejects("riskLevel gt 'low'", /not supported on the enumeration property/);
    rejects("foo eq 'x'", /Could not find a property named 'foo' on type 'microsoft.graph.riskyUser'/);
    rejects("riskLastUpdatedDateTime ge '2024-01-01T00:00:00Z'", /written without quotes/);
    rejects("riskLastUpdatedDateTime ge 2024-13-01T00:00:00Z", /not a valid DateTimeOffset literal/);
    rejects("riskLastUpdatedDateTime ge 42", /incompatible types/);
    rejects("userDisplayName eq 'O'Brien'", /at position/);
    rejects("startswith(userPrincipalName,'a')", /function 'startswith' is not supported/);
    rejects("userPrincipalName eq unquoted", /quote strings/);
    rejects("isDeleted eq 'yes'", /incompatible types/);
    rejects("riskLevel eq 'high' # x", /unexpected character '#'/);
  });

  it("normalizes DateTimeOffset literals to UTC with seven fractional digits", () => {
    assert.equal(normalizeDateTime("2022-06-09T23:00:44.7420905Z"), "2022-06-09T23:00:44.7420905Z");
    assert.equal(normalizeDateTime("2022-06-10T01:00:44+02:00"), "2022-06-09T23:00:44.0000000Z");
    assert.equal(normalizeDateTime("2022-02-30T00:00:00Z"), undefined);
    assert.equal(normalizeDateTime("2022-06-09"), undefined);
  });
});

describe("OData query options and keyset paging", () => {
  const limits = { defaultTop: 20, maxTop: 500 };
  const parse = (query: string) => parseCollectionQuery(new URLSearchParams(query), RISKY_USER, limits);

  it("checks $top, $orderby and $select against the entity", () => {
    assert.equal(parse("").top, 20);
    assert.equal(parse("$top=500").top, 500);
    assert.throws(() => parse("$top=501"), /Must be between 1 and 500/);
    assert.throws(() => parse("$top=0"), /Must be between 1 and 500/);
    assert.throws(() => parse("$top=ten"), /Invalid page size/);
    assert.deepEqual(parse("$orderby=riskLastUpdatedDateTime desc").orderBy, {
      property: "riskLastUpdatedDateTime",
      descending: true,
    });
    assert.throws(
      () => parse("$orderby=userPrincipalName"),
      /Sorting by 'userPrincipalName' is not supported/,
    );
    assert.throws(() => parse("$orderby=riskLastUpdatedDateTime sideways"), /Invalid \$orderby/);
    assert.throws(() => parse("$orderby=riskLastUpdatedDateTime,id"), /more than one property/);
    assert.deepEqual(parse("$select=id,riskLevel").select, ["id", "riskLevel"]);
    assert.throws(() => parse("$select=id,nope"), /Could not find a property named 'nope'/);
    assert.throws(() => parse("$skip=10"), /'\$skip' is not supported/);
    assert.throws(() => parse("$skiptoken=garbage!"), /\$skiptoken is not valid/);
  });

  it("pages in both directions without gaps or repeats, with ties broken by id", () => {
    const records = Array.from({ length: 57 }, (_, i) =>
      user(`u${String(i).padStart(3, "0")}`, {
        riskLastUpdatedDateTime: `2024-01-${String(1 + (i % 9)).padStart(2, "0")}T00:00:00.0000000Z`,
        riskLevel: i % 3 === 0 ? "high" : "low",
      }),
    );
    const collection = new Collection(records);
    for (const descending of [false, true]) {
      const order = { property: "riskLastUpdatedDateTime", descending };
      const predicate = compileFilter("riskLevel eq 'low'", RISKY_USER);
      const seen: string[] = [];
      let cursor: ReturnType<Collection<RiskyUserRecord>["page"]>["next"];
      do {
        const page = collection.page(order, cursor, 7, predicate);
        seen.push(...page.items.map((item) => item.id));
        cursor = page.next;
      } while (cursor);
      const expected = records
        .filter(predicate)
        .sort((a, b) =>
          a.riskLastUpdatedDateTime === b.riskLastUpdatedDateTime
            ? a.id.localeCompare(b.id)
            : a.riskLastUpdatedDateTime.localeCompare(b.riskLastUpdatedDateTime),
        )
        .map((item) => item.id);
      assert.deepEqual(seen, descending ? expected.reverse() : expected);
    }
  });

  it("continues after the cursor's position even when that item changed meanwhile", () => {
    const records = Array.from({ length: 10 }, (_, i) => user(`u${i}`));
    const collection = new Collection(records);
    const order = { property: "id", descending: false };
    const first = collection.page(order, undefined, 3, undefined);
    assert.deepEqual(
      first.items.map((item) => item.id),
      ["u0", "u1", "u2"],
    );
    collection.add(user("u25"));
    const second = collection.page(order, first.next, 3, undefined);
    assert.deepEqual(
      second.items.map((item) => item.id),
      ["u25", "u3", "u4"],
    );
  });
});
