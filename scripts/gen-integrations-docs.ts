/**
 * Regenerates the supported-flows table in docs/integrations.md (between its `generated` markers) from the
 * auth profiles, padded so the markdown source reads as a table. `--check` exits 1 when the file is stale
 * instead of writing it (the same drift test/integrations/profiles.test.ts reports).
 *
 *   npx node scripts/gen-integrations-docs.ts [--check]
 */
import { readFileSync, writeFileSync } from "node:fs";
import { SEED_COLUMNS, supportedFlowsTable } from "../src/integrations/profiles/index.ts";

const DOC = new URL("../docs/integrations.md", import.meta.url);
const START = "<!-- generated: entrakit integrations --output md -->";
const END = "<!-- end generated -->";

/** The table with every column padded to its widest cell; `|` inside a cell is escaped. */
export function paddedTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const escapePipes = (cell: string) => cell.replace(/\|/g, "\\|");
  const all = [header, ...rows].map((row) => row.map(escapePipes));
  const widths = header.map((_, column) => Math.max(3, ...all.map((row) => row[column]!.length)));
  const line = (cells: readonly string[]) =>
    `| ${cells.map((cell, column) => cell.padEnd(widths[column]!)).join(" | ")} |`;
  const [head, ...body] = all;
  return [line(head!), line(widths.map((width) => "-".repeat(width))), ...body.map(line)].join("\n");
}

function generated(): string {
  const rows = supportedFlowsTable().map((row) => SEED_COLUMNS.map((column) => row[column] ?? ""));
  return paddedTable(SEED_COLUMNS, rows);
}

export function render(current: string): string {
  const start = current.indexOf(START);
  const end = current.indexOf(END);
  if (start < 0 || end < start) {
    throw new Error(`docs/integrations.md lacks the markers ${START} ... ${END}; restore them first.`);
  }
  return `${current.slice(0, start + START.length)}\n${generated()}\n${current.slice(end)}`;
}

if (import.meta.main) {
  const current = readFileSync(DOC, "utf8");
  const next = render(current);
  if (process.argv.includes("--check")) {
    if (next !== current) {
      process.stderr.write("docs/integrations.md is stale: run npx node scripts/gen-integrations-docs.ts\n");
      process.exitCode = 1;
    }
  } else if (next !== current) {
    writeFileSync(DOC, next);
    process.stdout.write("docs/integrations.md: table regenerated\n");
  } else {
    process.stdout.write("docs/integrations.md: already up to date\n");
  }
}
