/**
 * The docs generator: docs/integrations.md is exactly what scripts/gen-integrations-docs.ts writes (so a
 * profile change without regenerating fails here), and a stale or marker-less file is detected.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { paddedTable, render } from "../../scripts/gen-integrations-docs.ts";

const DOC = readFileSync(new URL("../../docs/integrations.md", import.meta.url), "utf8");

test("docs/integrations.md is up to date with the generator (run scripts/gen-integrations-docs.ts)", () => {
  assert.equal(render(DOC), DOC);
});

test("a stale table is replaced, the text around it kept", () => {
  const stale = DOC.replace("| Azure Compute v2 ", "| Azure Compute v1 ");
  assert.notEqual(stale, DOC);
  assert.equal(render(stale), DOC);
});

test("a file without the markers is refused with what to do", () => {
  assert.throws(() => render("# no markers\n"), /lacks the markers/);
});

test("padded tables escape pipes and pad every column to its widest cell", () => {
  assert.equal(
    paddedTable(["a", "bb"], [["x|y", "z"]]),
    ["| a    | bb  |", "| ---- | --- |", "| x\\|y | z   |"].join("\n"),
  );
});
