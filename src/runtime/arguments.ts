/**
 * Validates and coerces a command's raw `name=value` arguments against its schema. Every failure is a
 * one-line usage error that names the valid choices, so the user can fix the line without reading docs.
 */
import { EntrakitError } from "../errors.ts";
import type { ArgumentSpec, CommandSpec } from "../integrations/types.ts";
import { type NowFn, parseDate, type UtcInstant } from "./dates.ts";

export type ArgumentValue = string | number | boolean | readonly string[] | UtcInstant;

/** Typed, validated arguments. Getters return undefined for absent optional arguments. */
export interface Arguments {
  readonly values: Readonly<Record<string, ArgumentValue>>;
  /** The text the user typed (or the default), for messages that echo it. */
  readonly raw: Readonly<Record<string, string>>;
  has(name: string): boolean;
  string(name: string): string | undefined;
  integer(name: string): number | undefined;
  boolean(name: string): boolean | undefined;
  list(name: string): readonly string[] | undefined;
  date(name: string): UtcInstant | undefined;
}

const TRUE_WORDS = new Set(["true", "yes", "y", "1", "on"]);
const FALSE_WORDS = new Set(["false", "no", "n", "0", "off"]);
const INTEGER = /^[+-]?\d+$/;

function usage(message: string, hint?: string): EntrakitError {
  return new EntrakitError("usage", message, hint === undefined ? {} : { hint });
}

/** Levenshtein distance, for "did you mean" on unknown argument and command names. */
export function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}

function closest(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(name.length / 3)) + 1;
  for (const candidate of candidates) {
    const d = distance(name.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function coerce(spec: ArgumentSpec, raw: string, now: NowFn): ArgumentValue {
  switch (spec.type ?? "string") {
    case "integer": {
      if (!INTEGER.test(raw.trim())) {
        throw usage(
          `${spec.name}: "${raw}" is not a valid number.`,
          `Use a whole number, e.g. ${spec.name}=50.`,
        );
      }
      const value = Number(raw.trim());
      const { min, max } = spec.range ?? {};
      if ((min !== undefined && value < min) || (max !== undefined && value > max)) {
        if (spec.rangeMessage) throw usage(spec.rangeMessage);
        const bounds =
          min !== undefined && max !== undefined
            ? `between ${min} and ${max}`
            : min !== undefined
              ? `at least ${min}`
              : `at most ${max}`;
        throw usage(`${spec.name} must be ${bounds} (got ${value}).`);
      }
      return value;
    }
    case "boolean": {
      const word = raw.trim().toLowerCase();
      if (TRUE_WORDS.has(word)) return true;
      if (FALSE_WORDS.has(word)) return false;
      throw usage(
        `${spec.name}: "${raw}" is not true or false.`,
        `Write ${spec.name}=true or ${spec.name}=false.`,
      );
    }
    case "list": {
      const items = raw
        .split(",")
        .map((item) => item.trim())
        .filter((item) => item !== "");
      if (items.length === 0) {
        throw usage(
          `${spec.name} is empty.`,
          `Give one or more comma-separated values, e.g. ${spec.name}=a,b.`,
        );
      }
      return items;
    }
    case "date":
      return parseDate(raw, now, spec.name);
    case "string":
      return raw;
  }
}

/**
 * Checks `raw` against the command's schema: unknown names, missing required arguments, predefined
 * values, numeric ranges and types. Empty values count as absent (as in the War Room), so defaults apply.
 */
export function validateArguments(
  command: CommandSpec,
  raw: Readonly<Record<string, string>>,
  now: NowFn = Date.now,
): Arguments {
  const specs = new Map(command.args.map((spec) => [spec.name, spec]));
  const visible = command.args.filter((spec) => !spec.hidden).map((spec) => spec.name);
  for (const name of Object.keys(raw)) {
    if (specs.has(name)) continue;
    const suggestion = closest(name, visible);
    const choices = visible.length > 0 ? `Valid arguments: ${visible.join(", ")}.` : "It takes no arguments.";
    throw usage(
      `Unknown argument "${name}" for !${command.name}.`,
      suggestion ? `Did you mean ${suggestion}? ${choices}` : choices,
    );
  }

  const values: Record<string, ArgumentValue> = {};
  const given: Record<string, string> = {};
  for (const spec of command.args) {
    const supplied = raw[spec.name];
    const text = supplied !== undefined && supplied.trim() !== "" ? supplied : spec.default;
    if (text === undefined || text === "") {
      if (spec.required) {
        throw usage(
          `Missing required argument "${spec.name}" for !${command.name}.`,
          `Add ${spec.name}=<value> (${spec.description.replace(/\.$/, "")}).`,
        );
      }
      continue;
    }
    if (spec.predefined && spec.predefined.length > 0 && !spec.predefined.includes(text)) {
      const folded = spec.predefined.find((choice) => choice.toLowerCase() === text.toLowerCase());
      throw usage(
        `Invalid value "${text}" for ${spec.name}.`,
        folded
          ? `Did you mean ${folded}? Valid values: ${spec.predefined.join(", ")}.`
          : `Valid values: ${spec.predefined.join(", ")}.`,
      );
    }
    values[spec.name] = coerce(spec, text, now);
    given[spec.name] = text;
  }
  return makeArguments(values, given);
}

function makeArguments(values: Record<string, ArgumentValue>, raw: Record<string, string>): Arguments {
  const typed = <T>(name: string, check: (value: ArgumentValue) => boolean): T | undefined => {
    const value = values[name];
    if (value === undefined) return undefined;
    if (!check(value)) throw new EntrakitError("internal", `Argument ${name} was read with the wrong type.`);
    return value as T;
  };
  return {
    values,
    raw,
    has: (name) => values[name] !== undefined,
    string: (name) => typed<string>(name, (v) => typeof v === "string"),
    integer: (name) => typed<number>(name, (v) => typeof v === "number"),
    boolean: (name) => typed<boolean>(name, (v) => typeof v === "boolean"),
    list: (name) => typed<readonly string[]>(name, (v) => Array.isArray(v)),
    date: (name) => typed<UtcInstant>(name, (v) => typeof v === "object" && !Array.isArray(v)),
  };
}
