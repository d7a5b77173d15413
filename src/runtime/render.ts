/**
 * The one table renderer. `tableToMarkdown` writes markdown exactly the way the reference's
 * tableToMarkdown does (title, header order, removeNull, cell flattening, `|`/`` ` `` escaping, `<br>` for
 * new lines), so readable outputs keep their public shape. `renderTerminal` turns that markdown into
 * aligned plain-text columns for a terminal, with ANSI emphasis only when colour is allowed (NO_COLOR).
 */

import { isPlainObject } from "./context.ts";
import { PagedList } from "./paged-list.ts";

export interface TableOptions {
  /** Columns in this order; keys not listed are not shown. Default: the first row's keys, sorted. */
  headers?: readonly string[];
  /** Display text of a header; default: the header itself, escaped. */
  headerTransform?: (header: string) => string;
  /** Drop columns that are empty ("", null, [], {}) in every row. */
  removeNull?: boolean;
  /** A line printed between the title and the table. */
  metadata?: string;
}

const NO_ENTRIES = "**No entries.**\n";

type Row = Record<string, unknown>;

function isEmptyCell(value: unknown): boolean {
  return (
    value === undefined ||
    value === null ||
    value === "" ||
    (Array.isArray(value) && value.length === 0) ||
    (isPlainObject(value) && Object.keys(value).length === 0)
  );
}

/** Escapes what would break a table cell: new lines become `<br>`, `|` and `` ` `` get a backslash. */
function escapeCell(text: string): string {
  return text.replace(/\r\n|\r|\n/g, "<br>").replace(/[|`]/g, (c) => `\\${c}`);
}

/** JSON with `, ` and `: ` separators, the form the reference prints nested values in. */
function inlineJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(inlineJson).join(", ")}]`;
  if (isPlainObject(value)) {
    return `{${Object.entries(value)
      .map(([k, v]) => `${JSON.stringify(k)}: ${inlineJson(v)}`)
      .join(", ")}}`;
  }
  return JSON.stringify(value ?? null);
}

function flattenValue(value: unknown): string {
  if (typeof value === "string") return value;
  if (Array.isArray(value))
    return value.map((item) => (isPlainObject(item) ? inlineJson(item) : String(item))).join(",\n");
  return inlineJson(value);
}

/** One cell: strings as they are, objects as `key: value` lines, lists joined with `,` + new line. */
function formatCell(value: unknown): string {
  if (typeof value === "string") return value;
  if (isPlainObject(value)) {
    return Object.entries(value)
      .map(([k, v]) => `${k}: ${flattenValue(v)}`)
      .join("\n");
  }
  if (Array.isArray(value)) return flattenValue(value);
  return String(value);
}

/** `riskLastUpdatedDateTime` → `Risk Last Updated Date Time`; acronyms stay (`IPAddress` → `IP Address`). */
export function pascalToSpace(name: string): string {
  const words = name.match(/[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+/g);
  if (!words) return name;
  return words.map((word) => word[0]!.toUpperCase() + word.slice(1)).join(" ");
}

/** The markdown of a table, exactly as `tableToMarkdown` writes it, in pieces: the head, then one per row. */
export function* tableChunks(
  title: string | undefined,
  data: unknown,
  options: TableOptions = {},
): Generator<string> {
  let head = title ? `### ${title}\n` : "";
  if (options.metadata) head += `${options.metadata}\n`;
  yield* tableBody(head, data, options);
}

function* tableBody(head: string, data: unknown, options: TableOptions): Generator<string> {
  if (data instanceof PagedList) {
    if (data.length === 0) {
      yield head + NO_ENTRIES;
      return;
    }
    yield* pagedTable(head, data, options);
    return;
  }
  if (isEmptyCell(data)) {
    yield head + NO_ENTRIES;
    return;
  }

  let headers = options.headers ? [...options.headers] : undefined;
  let table: unknown = data;
  if (!headers && isPlainObject(table) && Object.keys(table).length === 1) {
    // A single-key object becomes a one-column table of its values.
    const [key, value] = Object.entries(table)[0]!;
    headers = [key];
    table = value;
  }
  let rows: unknown[] = Array.isArray(table) ? table : [table];
  if (rows.length === 0) {
    yield head + NO_ENTRIES;
    return;
  }
  if (!isPlainObject(rows[0])) {
    if (!headers || headers.length === 0) {
      throw new TypeError("tableToMarkdown: a list of plain values needs a header");
    }
    const header = headers[0]!;
    rows = rows.map((item) => ({ [header]: item }));
  }
  const objects = rows as Row[];
  yield* objectTable(head, () => objects, objects[0]!, headers, options);
}

/** A list of paged items (runtime/paged-list.ts): its pages are parsed one at a time, once per pass. */
function* pagedTable(head: string, list: PagedList, options: TableOptions): Generator<string> {
  const first = list.at(0);
  list.release();
  if (!isPlainObject(first)) {
    // Plain values (never a Graph list): the ordinary path, on the materialised items.
    yield* tableBody(head, list.toArray(), options);
    return;
  }
  yield* objectTable(
    head,
    () => list.items() as Iterable<Row>,
    first,
    options.headers && [...options.headers],
    options,
  );
}

/** The header and rows of a table of objects; `rows` is read once more for removeNull. */
function* objectTable(
  head: string,
  rows: () => Iterable<Row>,
  first: Row,
  given: string[] | undefined,
  options: TableOptions,
): Generator<string> {
  let headers = given ?? Object.keys(first).sort();
  if (options.removeNull) {
    const filled = new Set<string>();
    for (const row of rows()) {
      for (const header of headers) if (!filled.has(header) && !isEmptyCell(row[header])) filled.add(header);
      if (filled.size === headers.length) break;
    }
    headers = headers.filter((header) => filled.has(header));
  }
  if (headers.length === 0) {
    yield head + NO_ENTRIES;
    return;
  }

  const transform = options.headerTransform ?? ((header: string) => escapeCell(header));
  yield `${head}|${headers.map(transform).join("|")}|\n|${headers.map(() => "---").join("|")}|\n`;
  for (const row of rows()) {
    let line = "|";
    for (const header of headers) {
      const value = row[header];
      line += value === undefined || value === null ? "  |" : ` ${escapeCell(formatCell(value))} |`;
    }
    yield `${line}\n`;
  }
}

export function tableToMarkdown(
  title: string | undefined,
  data: unknown,
  options: TableOptions = {},
): string {
  return joinChunks(tableChunks(title, data, options));
}

function joinChunks(chunks: Iterable<string>): string {
  let out = "";
  for (const chunk of chunks) out += chunk;
  return out;
}

// ---- markdown produced on demand ----------------------------------------------------------------------

const CHUNKS = Symbol("entrakit.readableChunks");

interface WithChunks {
  [CHUNKS]?: () => Iterable<string>;
}

/**
 * Gives `result` a `readable` that is rendered when read, and lets writers that stream (the CLI) take the
 * markdown piece by piece through `readableChunks` instead: a 100,000-row table then never exists as one
 * string beside the rows it is made from.
 */
export function withLazyReadable<T extends object>(
  result: T,
  chunks: () => Iterable<string>,
): T & { readable: string } {
  Object.defineProperty(result, "readable", {
    get: () => joinChunks(chunks()),
    enumerable: true,
    configurable: true,
  });
  Object.defineProperty(result, CHUNKS, { value: chunks, enumerable: false });
  return result as T & { readable: string };
}

/** A result's readable markdown in pieces (the whole string when it was not made lazily). */
export function readableChunks(result: { readable: string }): Iterable<string> {
  const chunks = (result as WithChunks)[CHUNKS];
  return chunks ? chunks() : [result.readable];
}

// ---- terminal rendering -------------------------------------------------------------------------------

export interface TerminalOptions {
  color: boolean;
  /** Terminal width; wide tables shrink their widest columns (cut with `…`) to fit. */
  width?: number;
}

/** Colour is on for a TTY unless NO_COLOR is set to anything non-empty (https://no-color.org). */
export function shouldUseColor(env: NodeJS.ProcessEnv, isTTY: boolean | undefined): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== "" && env.FORCE_COLOR !== "0") return true;
  return isTTY === true;
}

/** Bold on a terminal that allows colour (see shouldUseColor), the plain text otherwise. */
export const bold = (text: string, color: boolean) => (color ? `\x1b[1m${text}\x1b[22m` : text);
const dim = (text: string, color: boolean) => (color ? `\x1b[2m${text}\x1b[22m` : text);

/** Splits a markdown table row on the `|` that are not escaped. */
function splitRow(line: string): string[] {
  const body = line.trim().replace(/^\|/, "").replace(/\|$/, "");
  // Most rows have no escapes: a plain split makes no per-character garbage on 100,000-row tables.
  if (!body.includes("\\")) return body.split("|").map((cell) => cell.trim());
  const cells: string[] = [];
  let current = "";
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]!;
    if (ch === "\\" && (body[i + 1] === "|" || body[i + 1] === "`")) {
      current += body[i + 1];
      i++;
    } else if (ch === "|") {
      cells.push(current.trim());
      current = "";
    } else {
      current += ch;
    }
  }
  cells.push(current.trim());
  return cells;
}

function inline(text: string, color: boolean): string {
  return text
    .replace(/\[([^\]]*)\]\(([^)]*)\)/g, (_, label: string, url: string) =>
      label === url ? url : `${label} (${url})`,
    )
    .replace(/\*\*\*([^*]+)\*\*\*|\*\*([^*]+)\*\*/g, (_, a: string | undefined, b: string | undefined) =>
      bold(a ?? b ?? "", color),
    );
}

function fit(widths: number[], width: number | undefined, gap: number): number[] {
  if (width === undefined) return widths;
  const result = [...widths];
  const total = () => result.reduce((sum, w) => sum + w, 0) + gap * (result.length - 1);
  while (total() > width) {
    const widest = result.indexOf(Math.max(...result));
    if (result[widest]! <= 8) break;
    result[widest]!--;
  }
  return result;
}

function cut(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, Math.max(0, width - 1))}…`;
}

type Token = { kind: "text" | "header" | "row"; line: string } | { kind: "end" }; // of a table

/** Lines as the renderer reads them: text, a table's header (its `|---|` rule consumed), rows, its end. */
function* tokens(lines: Iterable<string>): Generator<Token> {
  const it = lines[Symbol.iterator]();
  let next = it.next();
  let inTable = false;
  while (!next.done) {
    const line = next.value;
    next = it.next();
    if (inTable) {
      if (line.startsWith("|")) {
        yield { kind: "row", line };
        continue;
      }
      inTable = false;
      yield { kind: "end" };
    }
    if (line.startsWith("|") && !next.done && next.value.startsWith("|---")) {
      next = it.next();
      inTable = true;
      yield { kind: "header", line };
      continue;
    }
    yield { kind: "text", line };
  }
  if (inTable) yield { kind: "end" };
}

const cellParts = (cell: string) => cell.split(/<br\/?>/);
const GAP = 2;

/** First pass: each table's column widths (natural, then fitted to the terminal), in order. */
function tableWidths(lines: Iterable<string>, width: number | undefined): number[][] {
  const tables: number[][] = [];
  let natural: number[] = [];
  for (const token of tokens(lines)) {
    if (token.kind === "header") {
      natural = splitRow(token.line).map((name) => name.length);
    } else if (token.kind === "row") {
      splitRow(token.line).forEach((cell, column) => {
        if (column >= natural.length) return;
        for (const part of cellParts(cell)) natural[column] = Math.max(natural[column]!, part.length);
      });
    } else if (token.kind === "end") {
      tables.push(fit(natural, width, GAP));
    }
  }
  return tables;
}

/**
 * Markdown (as commands produce it) to terminal lines, one at a time, for writing as they come. Two
 * passes: table widths first, then output. Given a function that yields the markdown in pieces, each pass
 * reads it afresh, so a 100,000-row table is never held as text or as lines.
 */
export function* terminalLines(
  markdown: string | (() => Iterable<string>),
  options: TerminalOptions,
): Generator<string> {
  const lines = typeof markdown === "string" ? () => markdownLines([markdown]) : () => linesOf(markdown());
  const widths = tableWidths(lines(), options.width);
  let table = 0;
  let header: string[] = [];
  const join = (cells: string[]) => cells.join(" ".repeat(GAP)).trimEnd();
  const pad = (text: string, column: number) =>
    cut(text, widths[table]![column]!).padEnd(widths[table]![column]!);
  for (const token of tokens(lines())) {
    if (token.kind === "text") {
      const heading = /^#{1,6}\s+(.*)$/.exec(token.line);
      yield heading ? bold(inline(heading[1]!, false), options.color) : inline(token.line, options.color);
    } else if (token.kind === "header") {
      header = splitRow(token.line);
      yield bold(join(header.map((name, column) => pad(name, column))), options.color);
      yield dim(join(widths[table]!.map((w) => "-".repeat(w))), options.color);
    } else if (token.kind === "row") {
      const row = splitRow(token.line).map(cellParts);
      const height = Math.max(1, ...row.map((parts) => parts.length));
      for (let lineIndex = 0; lineIndex < height; lineIndex++) {
        yield join(header.map((_, column) => pad(row[column]?.[lineIndex] ?? "", column)));
      }
    } else {
      table++;
    }
  }
}

/** The lines of markdown given in pieces (pieces may hold several lines; a final new line ends the text). */
function* linesOf(chunks: Iterable<string>): Generator<string> {
  let partial = "";
  let any = false;
  for (const chunk of chunks) {
    const parts = (partial + chunk).split("\n");
    partial = parts.pop()!;
    for (const part of parts) {
      any = true;
      yield part;
    }
  }
  if (partial !== "" || !any) yield partial;
}

/** The lines of markdown given in pieces, as a list. */
export function markdownLines(chunks: Iterable<string>): string[] {
  return [...linesOf(chunks)];
}

/** Markdown (as commands produce it) to terminal text: aligned tables, headings and emphasis. */
export function renderTerminal(markdown: string, options: TerminalOptions): string {
  let out = "";
  for (const line of terminalLines(markdown, options)) out += `${line}\n`;
  return out;
}
