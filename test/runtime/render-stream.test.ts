/**
 * Markdown in pieces: `tableChunks` joined is `tableToMarkdown`; a result made with `withLazyReadable`
 * renders its readable when read and hands writers the pieces; `markdownLines` splits pieces into lines
 * the way the terminal renderer reads a whole string.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  markdownLines,
  readableChunks,
  renderTerminal,
  tableChunks,
  tableToMarkdown,
  terminalLines,
  withLazyReadable,
} from "../../src/runtime/render.ts";

const rows = [
  { id: "1", name: "Ann | Lee", note: null, tags: ["a", "b"] },
  { id: "2", name: "Bo\nB", note: "", tags: [] },
];

test("tableChunks joined is tableToMarkdown, one piece per row after the head", () => {
  const options = { headers: ["id", "name", "note", "tags"], removeNull: true };
  const chunks = [...tableChunks("Title", rows, options)];
  assert.equal(chunks.join(""), tableToMarkdown("Title", rows, options));
  assert.equal(chunks.length, 1 + rows.length);
  for (const data of [[], {}, null, { only: [1, 2] }, rows[0]]) {
    assert.equal([...tableChunks("T", data)].join(""), tableToMarkdown("T", data));
  }
});

test("withLazyReadable: readable renders on each read; writers get the pieces", () => {
  let renders = 0;
  const result = withLazyReadable({ outputs: { prefix: "P", data: rows } }, () => {
    renders++;
    return tableChunks("Title", rows);
  });
  assert.equal(renders, 0, "nothing is rendered until read");
  assert.equal(result.readable, tableToMarkdown("Title", rows));
  assert.deepEqual([...readableChunks(result)], [...tableChunks("Title", rows)]);
  assert.equal(renders, 2);
  assert.equal(JSON.parse(JSON.stringify(result)).readable, result.readable);
  assert.deepEqual([...readableChunks({ readable: "plain" })], ["plain"]);
});

test("markdownLines splits pieces into the lines of their concatenation", () => {
  for (const text of ["", "a", "a\n", "a\n\n", "### T\n|x|\n|---|\n| 1 |\n", "no end\nline"]) {
    const pieces = [...text]; // one character per piece
    const expected = text.replace(/\n$/, "").split("\n");
    assert.deepEqual(markdownLines(pieces), expected, JSON.stringify(text));
    assert.deepEqual(markdownLines([text]), expected);
  }
});

test("terminalLines reads markdown given as pieces twice, and renders it as it renders the text", () => {
  const markdown = `Intro **bold**\n\n${tableToMarkdown("Title", rows)}\nbetween\n${tableToMarkdown("Two", [{ a: "x" }])}`;
  let reads = 0;
  const pieces = () => {
    reads++;
    return markdown.split(/(?<=\n)/);
  };
  for (const options of [{ color: false, width: 40 }, { color: true }]) {
    const streamed = [...terminalLines(pieces, options)].map((line) => `${line}\n`).join("");
    assert.equal(streamed, renderTerminal(markdown, options));
  }
  assert.equal(reads, 4);
});
