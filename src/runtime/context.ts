/**
 * The instance context: command outputs merged under their prefix, as the reference's War Room context
 * does (spec azure-risky-users §3.6). Entry-context keys carry a selector:
 *   `Prefix(val.id && val.id == obj.id)`: items with the same key replace the old ones, new keys append;
 *   `Prefix(true)`: the new value overwrites (objects merge field by field, so siblings survive);
 *   `Prefix` alone: the value is appended unless an equal one is already there.
 * One item is stored as an object, several as a list, as the reference stores them.
 * Merging mutates the context in place: it can hold 100,000 items, and copying them per merge would
 * double the memory for nothing.
 */
import { EntrakitError } from "../errors.ts";
import { type CommandOutputs, contextKeyOf } from "./result.ts";

export type Context = Record<string, unknown>;

type Selector = { kind: "overwrite" } | { kind: "key"; fields: string[] } | { kind: "append" };

export interface ContextKey {
  path: string[];
  selector: Selector;
}

const DT = /^(.*)\((.*)\)$/;
/** One clause of a key selector: `val.F && val.F == obj.F` or `val.F == obj.F`, then `&&` or the end. */
const KEY_CLAUSE = /\s*(?:val\.([\w.]+)\s*&&\s*)?val\.([\w.]+)\s*===?\s*obj\.([\w.]+)\s*(&&|$)/y;

/** Parses `A.B(val.id && val.id == obj.id)`, `A(true)` or `A.B` into a path and a selector. */
export function parseContextKey(key: string): ContextKey {
  const m = DT.exec(key.trim());
  const pathText = m ? m[1]! : key.trim();
  const path = pathText.split(".").filter((segment) => segment !== "");
  if (path.length === 0)
    throw new EntrakitError("internal", `Context key ${JSON.stringify(key)} has no path.`);
  if (!m) return { path, selector: { kind: "append" } };
  const expression = m[2]!.trim();
  if (expression === "true") return { path, selector: { kind: "overwrite" } };
  const fields: string[] = [];
  KEY_CLAUSE.lastIndex = 0;
  let ended = false;
  while (!ended) {
    const clause = KEY_CLAUSE.exec(expression);
    const [, guard, left, right] = clause ?? [];
    if (!clause || left !== right || (guard !== undefined && guard !== left)) {
      throw new EntrakitError("internal", `Unsupported context selector ${JSON.stringify(expression)}.`);
    }
    fields.push(left!);
    ended = clause[4] === "";
  }
  return { path, selector: { kind: "key", fields } };
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function fieldOf(item: unknown, field: string): unknown {
  let current: unknown = item;
  for (const segment of field.split(".")) {
    if (!isPlainObject(current)) return undefined;
    current = current[segment];
  }
  return current;
}

/** An item's identity under key `fields` (a string), or undefined when a key field is missing or empty. */
export function identity(item: unknown, fields: readonly string[]): string | undefined {
  if (fields.length === 1) {
    // The common `id` key: a string id is its own identity (no string built per item of a 100,000-item
    // merge); anything else is tagged with a NUL so that 1 and "1" stay apart.
    const value = fieldOf(item, fields[0]!);
    if (value === undefined || value === null || value === "") return undefined;
    return typeof value === "string" && !value.startsWith("\u0000")
      ? value
      : `\u0000${JSON.stringify(value)}`;
  }
  const values = fields.map((field) => fieldOf(item, field));
  if (values.some((value) => value === undefined || value === null || value === "")) return undefined;
  return JSON.stringify(values);
}

/** The object that holds `path`'s last segment, made on the way where a segment is missing or not an object. */
export function parentOf(context: Context, path: readonly string[]): Record<string, unknown> {
  let node: Record<string, unknown> = context;
  for (const segment of path.slice(0, -1)) {
    const next = node[segment];
    if (!isPlainObject(next)) {
      // A scalar or list in the middle of a path cannot hold children; the new outputs take its place.
      node[segment] = {};
    }
    node = node[segment] as Record<string, unknown>;
  }
  return node;
}

export function asList(value: unknown): unknown[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** How a list is kept in the context: one item as itself, several (or none) as a list. */
export function storedForm(list: unknown[]): unknown {
  return list.length === 1 ? list[0] : list;
}

/** Merges one entry-context value (the reference's `{"Key(selector)": value}` form) into `context`. */
export function mergeEntry(context: Context, key: string, value: unknown): void {
  const { path, selector } = parseContextKey(key);
  const parent = parentOf(context, path);
  const leaf = path[path.length - 1]!;
  const existing = parent[leaf];
  switch (selector.kind) {
    case "overwrite": {
      parent[leaf] = isPlainObject(existing) && isPlainObject(value) ? Object.assign(existing, value) : value;
      return;
    }
    case "append": {
      const list = asList(existing);
      const seen = new Set(list.map((item) => JSON.stringify(item)));
      for (const item of asList(value)) {
        const text = JSON.stringify(item);
        if (!seen.has(text)) {
          list.push(item);
          seen.add(text);
        }
      }
      parent[leaf] = storedForm(list);
      return;
    }
    case "key": {
      const list = asList(existing);
      const index = new Map<string, number>();
      list.forEach((item, position) => {
        const id = identity(item, selector.fields);
        if (id !== undefined) index.set(id, position);
      });
      for (const item of asList(value)) {
        const id = identity(item, selector.fields);
        const position = id === undefined ? undefined : index.get(id);
        if (position !== undefined) {
          list[position] = item;
        } else {
          if (id !== undefined) index.set(id, list.length);
          list.push(item);
        }
      }
      parent[leaf] = storedForm(list);
      return;
    }
  }
}

/** Merges a command's outputs under their prefix and key field. */
export function mergeOutputs(context: Context, outputs: CommandOutputs): void {
  mergeEntry(context, contextKeyOf(outputs), outputs.data);
}

/**
 * Reads a dotted path (`AzureRiskyUsers.RiskyUser.id`). Through a list, a name collects that field of
 * every item and a number picks one item, as the War Room's context paths do.
 */
export function readContextPath(context: Context, path: string): unknown {
  let current: unknown = context;
  for (const segment of path.split(".").filter((s) => s !== "")) {
    if (Array.isArray(current)) {
      if (/^\d+$/.test(segment)) {
        current = current[Number(segment)];
      } else {
        const collected = current.map((item) => (isPlainObject(item) ? item[segment] : undefined));
        const present = collected.filter((item) => item !== undefined).flat();
        current = present.length === 0 ? undefined : present;
      }
    } else if (isPlainObject(current)) {
      current = current[segment];
    } else {
      return undefined;
    }
    if (current === undefined) return undefined;
  }
  return current;
}
