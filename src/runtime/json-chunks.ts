/**
 * `JSON.stringify(value, null, indent)` in pieces, so the CLI can write a 100,000-item `--output json`
 * without first building a 100 MB string (and a Buffer copy of it). Arrays are walked element by element
 * and the first levels of objects key by key; anything deeper is one `JSON.stringify` call, re-indented.
 * The pieces joined are byte for byte the one-call output.
 */

import { fieldOrPages, PagedList } from "./paged-list.ts";

/** A string value given as pieces (a lazily rendered readable): written escaped, piece by piece. */
export class JsonStringPieces {
  readonly pieces: () => Iterable<string>;
  constructor(pieces: () => Iterable<string>) {
    this.pieces = pieces;
  }

  /** Where it is serialized in one call (deeper than the walked levels): the pieces joined. */
  toJSON(): string {
    let text = "";
    for (const piece of this.pieces()) text += piece;
    return text;
  }
}

/** Values this deep and deeper are serialized in one call (they are an item, not a collection)... */
const WALK_OBJECT_DEPTH = 3;
/** ...unless they are arrays longer than this. */
const WALK_ARRAY_LENGTH = 64;

type Indent = (depth: number) => string;

function isSkipped(value: unknown): boolean {
  return value === undefined || typeof value === "function" || typeof value === "symbol";
}

function hasToJson(value: object): boolean {
  return typeof (value as { toJSON?: unknown }).toJSON === "function";
}

function* pieces(value: unknown, depth: number, indent: number, pad: Indent): Generator<string> {
  if (value instanceof JsonStringPieces) {
    yield '"';
    for (const piece of value.pieces()) yield JSON.stringify(piece).slice(1, -1);
    yield '"';
    return;
  }
  if (value instanceof PagedList) {
    // Paged items (runtime/paged-list.ts): walked page by page, each page parsed only while written.
    yield* arrayPieces(value.items(), depth, indent, pad);
    return;
  }
  const walk =
    typeof value === "object" &&
    value !== null &&
    !hasToJson(value) &&
    (depth < WALK_OBJECT_DEPTH || (Array.isArray(value) && value.length > WALK_ARRAY_LENGTH));
  if (!walk) {
    const text = JSON.stringify(value, null, indent) ?? "null";
    yield depth === 0 || indent === 0 ? text : text.replaceAll("\n", `\n${pad(depth)}`);
    return;
  }
  const inner = pad(depth + 1);
  const close = pad(depth);
  const newline = indent === 0 ? "" : "\n";
  if (Array.isArray(value)) {
    yield* arrayPieces(value, depth, indent, pad);
    return;
  }
  // A paged field is taken as its list, so reading it here materialises nothing.
  const entries = Object.keys(value)
    .map((key): [string, unknown] => [key, fieldOrPages(value, key)])
    .filter(([, item]) => !isSkipped(item));
  if (entries.length === 0) {
    yield "{}";
    return;
  }
  yield "{";
  const colon = indent === 0 ? ":" : ": ";
  for (let i = 0; i < entries.length; i++) {
    const [key, item] = entries[i]!;
    yield `${i === 0 ? "" : ","}${newline}${inner}${JSON.stringify(key)}${colon}`;
    yield* pieces(item, depth + 1, indent, pad);
  }
  yield `${newline}${close}}`;
}

function* arrayPieces(
  items: Iterable<unknown>,
  depth: number,
  indent: number,
  pad: Indent,
): Generator<string> {
  const inner = pad(depth + 1);
  const newline = indent === 0 ? "" : "\n";
  let first = true;
  for (const item of items) {
    yield `${first ? "[" : ","}${newline}${inner}`;
    first = false;
    if (isSkipped(item)) yield "null";
    else yield* pieces(item, depth + 1, indent, pad);
  }
  yield first ? "[]" : `${newline}${pad(depth)}]`;
}

/** The pieces of `JSON.stringify(value, null, indent)` (`"null"` where that would be undefined). */
export function jsonChunks(value: unknown, indent = 2): Generator<string> {
  const pads: string[] = [];
  const pad: Indent = (depth) => {
    pads[depth] ??= " ".repeat(indent * depth);
    return pads[depth]!;
  };
  return pieces(value, 0, indent, pad);
}
