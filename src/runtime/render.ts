/**
 * The one table renderer. `tableToMarkdown` writes markdown exactly the way the reference's
 * tableToMarkdown does (title, header order, removeNull, cell flattening, `|`/`` ` `` escaping, `<br>` for
 * new lines), so readable outputs keep their public shape. `renderTerminal` turns that markdown into
 * aligned plain-text columns for a terminal, with ANSI emphasis only when colour is allowed (NO_COLOR).
 */

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

function isPlainObject(value: unknown): value is Row {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

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
  if (!headers) headers = Object.keys(objects[0]!).sort();
  if (options.removeNull) {
    headers = headers.filter((header) => !objects.every((row) => isEmptyCell(row[header])));
  }
  if (headers.length === 0) {
    yield head + NO_ENTRIES;
    return;
  }

  const transform = options.headerTransform ?? ((header: string) => escapeCell(header));
  yield `${head}|${headers.map(transform).join("|")}|\n|${headers.map(() => "---").join("|")}|\n`;
  for (const row of objects) {
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

const bold = (text: string, color: boolean) => (color ? `\x1b[1m${text}\x1b[22m` : text);
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

/**
 * Two passes over the table's lines: widths first, then output. Rows are split again in the second pass
 * instead of being kept, so a 100,000-row table never holds its cells twice.
 */
function* tableLines(
  lines: readonly string[],
  start: number,
  end: number,
  options: TerminalOptions,
): Generator<string> {
  const header = splitRow(lines[start]!);
  const cellParts = (cell: string) => cell.split(/<br\/?>/);
  const natural = header.map((name) => name.length);
  for (let i = start + 2; i < end; i++) {
    splitRow(lines[i]!).forEach((cell, column) => {
      if (column >= natural.length) return;
      for (const part of cellParts(cell)) natural[column] = Math.max(natural[column]!, part.length);
    });
  }
  const gap = 2;
  const widths = fit(natural, options.width, gap);
  const pad = (text: string, column: number) => cut(text, widths[column]!).padEnd(widths[column]!);
  const join = (cells: string[]) => cells.join(" ".repeat(gap)).trimEnd();
  yield bold(join(header.map((name, column) => pad(name, column))), options.color);
  yield dim(join(widths.map((w) => "-".repeat(w))), options.color);
  for (let i = start + 2; i < end; i++) {
    const row = splitRow(lines[i]!).map(cellParts);
    const height = Math.max(1, ...row.map((parts) => parts.length));
    for (let lineIndex = 0; lineIndex < height; lineIndex++) {
      yield join(header.map((_, column) => pad(row[column]?.[lineIndex] ?? "", column)));
    }
  }
}

/** Markdown (as commands produce it) to terminal lines, one at a time, for writing as they come. */
export function* terminalLines(
  markdown: string | readonly string[],
  options: TerminalOptions,
): Generator<string> {
  const lines = typeof markdown === "string" ? markdownLines([markdown]) : markdown;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.startsWith("|") && lines[i + 1]?.startsWith("|---")) {
      let end = i + 2;
      while (end < lines.length && lines[end]!.startsWith("|")) end++;
      yield* tableLines(lines, i, end, options);
      i = end - 1;
      continue;
    }
    const heading = /^#{1,6}\s+(.*)$/.exec(line);
    yield heading ? bold(inline(heading[1]!, false), options.color) : inline(line, options.color);
  }
}

/** The lines of markdown given in pieces (pieces may hold several lines; a final new line ends the text). */
export function markdownLines(chunks: Iterable<string>): string[] {
  const lines: string[] = [];
  let partial = "";
  for (const chunk of chunks) {
    const parts = (partial + chunk).split("\n");
    partial = parts.pop()!;
    for (const part of parts) lines.push(part);
  }
  if (partial !== "" || lines.length === 0) lines.push(partial);
  return lines;
}

/** Markdown (as commands produce it) to terminal text: aligned tables, headings and emphasis. */
export function renderTerminal(markdown: string, options: TerminalOptions): string {
  let out = "";
  for (const line of terminalLines(markdown, options)) out += `${line}\n`;
  return out;
}
