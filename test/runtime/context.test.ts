import assert from "node:assert/strict";
import { test } from "node:test";
import {
  type Context,
  mergeEntry,
  mergeOutputs,
  parseContextKey,
  readContextPath,
} from "../../src/runtime/context.ts";

test("context keys: key selectors, (true) and plain paths", () => {
  assert.deepEqual(parseContextKey("AzureRiskyUsers.RiskyUser(val.id && val.id == obj.id)"), {
    path: ["AzureRiskyUsers", "RiskyUser"],
    selector: { kind: "key", fields: ["id"] },
  });
  assert.deepEqual(parseContextKey("A.B(val.id == obj.id && val.tenant && val.tenant == obj.tenant)"), {
    path: ["A", "B"],
    selector: { kind: "key", fields: ["id", "tenant"] },
  });
  assert.deepEqual(parseContextKey("AzureRiskyUsers(true)"), {
    path: ["AzureRiskyUsers"],
    selector: { kind: "overwrite" },
  });
  assert.deepEqual(parseContextKey("Plain.Path"), { path: ["Plain", "Path"], selector: { kind: "append" } });
  assert.throws(() => parseContextKey("A(val.id == obj.name)"), /Unsupported context selector/);
  assert.throws(() => parseContextKey("A(val.id == obj.id &&)"), /Unsupported context selector/);
});

test("merge by key: same id replaces, new ids append, one item is stored as an object", () => {
  const context: Context = {};
  mergeOutputs(context, {
    prefix: "AzureRiskyUsers.RiskyUser",
    key: "id",
    data: [{ id: "1", riskLevel: "high" }],
  });
  assert.deepEqual(context, { AzureRiskyUsers: { RiskyUser: { id: "1", riskLevel: "high" } } });
  mergeOutputs(context, {
    prefix: "AzureRiskyUsers.RiskyUser",
    key: "id",
    data: [
      { id: "2", riskLevel: "low" },
      { id: "1", riskLevel: "none", riskState: "dismissed" },
    ],
  });
  assert.deepEqual(context, {
    AzureRiskyUsers: {
      RiskyUser: [
        { id: "1", riskLevel: "none", riskState: "dismissed" },
        { id: "2", riskLevel: "low" },
      ],
    },
  });
  // A single object (a get) merges the same way.
  mergeOutputs(context, {
    prefix: "AzureRiskyUsers.RiskyUser",
    key: "id",
    data: { id: "2", riskLevel: "high" },
  });
  assert.deepEqual(readContextPath(context, "AzureRiskyUsers.RiskyUser.riskLevel"), ["none", "high"]);
});

test("the (true) form overwrites a field and keeps its siblings", () => {
  const context: Context = {};
  mergeOutputs(context, { prefix: "AzureRiskyUsers.RiskyUser", key: "id", data: [{ id: "1" }] });
  mergeOutputs(context, { prefix: "AzureRiskyUsers", data: { RiskyUserListNextToken: "https://g/page2" } });
  mergeOutputs(context, { prefix: "AzureRiskyUsers", data: { RiskyUserListNextToken: "https://g/page3" } });
  assert.deepEqual(context, {
    AzureRiskyUsers: { RiskyUser: { id: "1" }, RiskyUserListNextToken: "https://g/page3" },
  });
  mergeEntry(context, "Counter(true)", 1);
  mergeEntry(context, "Counter(true)", 2);
  assert.equal(readContextPath(context, "Counter"), 2);
});

test("a plain key appends values it has not seen", () => {
  const context: Context = {};
  mergeEntry(context, "Seen.Ip", "10.0.0.1");
  mergeEntry(context, "Seen.Ip", "10.0.0.1");
  mergeEntry(context, "Seen.Ip", ["10.0.0.2", "10.0.0.3"]);
  assert.deepEqual(context, { Seen: { Ip: ["10.0.0.1", "10.0.0.2", "10.0.0.3"] } });
});

test("items without the key field are appended, never merged together", () => {
  const context: Context = {};
  mergeOutputs(context, { prefix: "X.Y", key: "id", data: [{ name: "a" }, { name: "b" }] });
  assert.deepEqual(context, { X: { Y: [{ name: "a" }, { name: "b" }] } });
});

test("a second merge of 50,000 known ids replaces them instead of appending", () => {
  const context: Context = {};
  const items = Array.from({ length: 100_000 }, (_, i) => ({ id: `u${i}` }));
  mergeOutputs(context, { prefix: "R.U", key: "id", data: items });
  mergeOutputs(context, { prefix: "R.U", key: "id", data: items.slice(0, 50_000) });
  assert.equal((readContextPath(context, "R.U") as unknown[]).length, 100_000);
});

test("reading paths: through lists, by index, and missing paths", () => {
  const context: Context = {
    A: {
      B: [
        { id: "1", tags: ["x"] },
        { id: "2", tags: ["y", "z"] },
      ],
    },
  };
  assert.deepEqual(readContextPath(context, "A.B.id"), ["1", "2"]);
  assert.deepEqual(readContextPath(context, "A.B.tags"), ["x", "y", "z"]);
  assert.deepEqual(readContextPath(context, "A.B.1"), { id: "2", tags: ["y", "z"] });
  assert.equal(readContextPath(context, "A.C"), undefined);
  assert.equal(readContextPath(context, "A.B.id.more"), undefined);
  assert.equal(readContextPath(context, ""), context);
});
