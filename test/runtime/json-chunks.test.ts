/** `jsonChunks`: the pieces joined are exactly `JSON.stringify(value, null, indent)`. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { JsonStringPieces, jsonChunks } from "../../src/runtime/json-chunks.ts";

const item = (i: number) => ({
  id: `user-${i}`,
  name: i % 3 === 0 ? 'quote " and \\ and\nnew line' : "Ünïcode ✓ 😀",
  nested: { list: [1, { deep: [null, true] }], empty: {}, none: [] },
  skipped: undefined,
  fn: () => 1,
  when: new Date(Date.UTC(2026, 0, i % 28)),
});

const cases: Record<string, unknown> = {
  "a result list like --output json writes": [
    {
      readable: "### Title\n|a|\n|---|\n| 1 |\n",
      outputs: { prefix: "P", key: "id", data: Array.from({ length: 300 }, (_, i) => item(i)) },
      contextKey: null,
      raw: { value: Array.from({ length: 65 }, (_, i) => item(i)), "@odata.nextLink": null },
    },
  ],
  "scalars and empties": [1, "two", null, true, [], {}, [undefined, () => 0], { a: undefined }],
  "a long list of plain values": Array.from({ length: 200 }, (_, i) => (i % 2 ? i : `s${i}`)),
  "a top-level string": "just a string",
  "deep objects": { a: { b: { c: { d: { e: [1, 2, { f: "g" }] } } } } },
};

describe("jsonChunks", () => {
  for (const [name, value] of Object.entries(cases)) {
    for (const indent of [2, 0, 4]) {
      it(`${name}, indent ${indent}`, () => {
        assert.equal([...jsonChunks(value, indent)].join(""), JSON.stringify(value, null, indent));
      });
    }
  }

  it("a long list is written in many pieces, not one", () => {
    const list = Array.from({ length: 1000 }, (_, i) => item(i));
    assert.ok([...jsonChunks({ a: list })].length > 1000);
  });

  it("a string given as pieces is written escaped, as the joined string would be", () => {
    const pieces = ['line "one"\n', "tab\there ", "😀 end\\"];
    const value = {
      readable: new JsonStringPieces(() => pieces),
      deeper: { a: { b: new JsonStringPieces(() => pieces) } },
    };
    const joined = pieces.join("");
    assert.equal(
      [...jsonChunks(value)].join(""),
      JSON.stringify({ readable: joined, deeper: { a: { b: joined } } }, null, 2),
    );
  });
});
