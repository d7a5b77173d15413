/**
 * The OData `$filter` subset Identity Protection accepts: `eq ne lt le gt ge`, `and`, `or`, parentheses,
 * string literals with `''` escaping, typed enum literals (`microsoft.graph.riskLevel'high'`) and plain
 * ones, unquoted DateTimeOffset literals, `true`/`false`/`null`. Parsing checks every property and literal
 * against the entity table and compiles to a predicate, so a bad filter fails before any data is read and
 * evaluation over 100,000 records is a closure call per record.
 */
import type { EntityType, FieldType, GraphRecord } from "./entities.ts";
import { badRequest, type GraphError } from "./graph-error.ts";

export type Predicate = (record: GraphRecord) => boolean;

type ComparisonOp = "eq" | "ne" | "lt" | "le" | "gt" | "ge";

type Token =
  | { kind: "lparen" | "rparen" | "comma"; pos: number }
  | { kind: "word"; text: string; pos: number }
  | { kind: "string"; value: string; pos: number }
  | { kind: "typed"; typeName: string; value: string; pos: number }
  | { kind: "datetime"; value: string; pos: number }
  | { kind: "number"; text: string; pos: number };

type Literal =
  | { kind: "string"; value: string }
  | { kind: "typed"; typeName: string; value: string }
  | { kind: "datetime"; value: string }
  | { kind: "boolean"; value: boolean }
  | { kind: "null" }
  | { kind: "number"; text: string };

const COMPARISONS = new Set<string>(["eq", "ne", "lt", "le", "gt", "ge"]);
const OPERATOR_NAMES: Record<ComparisonOp, string> = {
  eq: "Equal",
  ne: "NotEqual",
  lt: "LessThan",
  le: "LessThanOrEqual",
  gt: "GreaterThan",
  ge: "GreaterThanOrEqual",
};
const DATETIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?(Z|[+-]\d{2}:\d{2})$/i;

/** Parses and type-checks a `$filter` against an entity; throws a 400 GraphError saying what is wrong. */
export function compileFilter(text: string, entity: EntityType): Predicate {
  const tokens = tokenize(text);
  const parser = new Parser(text, tokens, entity);
  const predicate = parser.parseOr();
  parser.expectEnd();
  return predicate;
}

function syntaxError(text: string, pos: number, what: string): GraphError {
  return badRequest(`Invalid filter clause: ${what} at position ${pos} in '${text}'.`);
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === " " || ch === "\t") {
      i += 1;
    } else if (ch === "(" || ch === ")" || ch === ",") {
      tokens.push({ kind: ch === "(" ? "lparen" : ch === ")" ? "rparen" : "comma", pos: i });
      i += 1;
    } else if (ch === "'") {
      const { value, end } = readString(text, i);
      tokens.push({ kind: "string", value, pos: i });
      i = end;
    } else if (/[0-9]/.test(ch)) {
      const match = /^[0-9][0-9A-Za-z:.+-]*/.exec(text.slice(i))![0];
      if (/^\d{4}-/.test(match)) {
        const value = normalizeDateTime(match);
        if (value === undefined) {
          throw syntaxError(
            text,
            i,
            `'${match}' is not a valid DateTimeOffset literal (use e.g. 2024-02-27T04:49:26Z)`,
          );
        }
        tokens.push({ kind: "datetime", value, pos: i });
      } else {
        tokens.push({ kind: "number", text: match, pos: i });
      }
      i += match.length;
    } else if (/[A-Za-z_$]/.test(ch)) {
      const match = /^[A-Za-z_$][A-Za-z0-9_.$/]*/.exec(text.slice(i))![0];
      const next = i + match.length;
      if (text[next] === "'") {
        const { value, end } = readString(text, next);
        tokens.push({ kind: "typed", typeName: match, value, pos: i });
        i = end;
      } else {
        tokens.push({ kind: "word", text: match, pos: i });
        i = next;
      }
    } else {
      throw syntaxError(text, i, `unexpected character '${ch}'`);
    }
  }
  return tokens;
}

function readString(text: string, start: number): { value: string; end: number } {
  let value = "";
  let i = start + 1;
  while (i < text.length) {
    if (text[i] === "'") {
      if (text[i + 1] === "'") {
        value += "'";
        i += 2;
        continue;
      }
      return { value, end: i + 1 };
    }
    value += text[i];
    i += 1;
  }
  throw syntaxError(text, start, "unterminated string literal (double a quote inside a string: '')");
}

/**
 * A DateTimeOffset literal in the stored form (UTC, seven fractional digits), so comparing strings
 * compares instants; undefined when it is not a valid date and time.
 */
export function normalizeDateTime(literal: string): string | undefined {
  const m = DATETIME.exec(literal);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s = "00", fraction = "", zone] = m;
  const base = Date.parse(`${y}-${mo}-${d}T${h}:${mi}:${s}${zone!.toUpperCase() === "Z" ? "Z" : zone}`);
  if (Number.isNaN(base)) return undefined;
  const check = new Date(Date.UTC(+y!, +mo! - 1, +d!, +h!, +mi!, +s!));
  if (check.getUTCDate() !== +d! || check.getUTCMonth() !== +mo! - 1 || +h! > 23 || +mi! > 59 || +s! > 59) {
    return undefined;
  }
  return `${new Date(base).toISOString().slice(0, 19)}.${fraction.padEnd(7, "0")}Z`;
}

class Parser {
  readonly #text: string;
  readonly #tokens: Token[];
  readonly #entity: EntityType;
  #index = 0;

  constructor(text: string, tokens: Token[], entity: EntityType) {
    this.#text = text;
    this.#tokens = tokens;
    this.#entity = entity;
  }

  expectEnd(): void {
    const token = this.#tokens[this.#index];
    if (token) throw syntaxError(this.#text, token.pos, `unexpected ${describe(token)}`);
  }

  parseOr(): Predicate {
    let left = this.parseAnd();
    while (this.#peekWord("or")) {
      this.#index += 1;
      const a = left;
      const b = this.parseAnd();
      left = (record) => a(record) || b(record);
    }
    return left;
  }

  parseAnd(): Predicate {
    let left = this.parsePrimary();
    while (this.#peekWord("and")) {
      this.#index += 1;
      const a = left;
      const b = this.parsePrimary();
      left = (record) => a(record) && b(record);
    }
    return left;
  }

  parsePrimary(): Predicate {
    const token = this.#tokens[this.#index];
    if (!token) throw syntaxError(this.#text, this.#text.length, "expression expected");
    if (token.kind === "lparen") {
      this.#index += 1;
      const inner = this.parseOr();
      const close = this.#tokens[this.#index];
      if (close?.kind !== "rparen") {
        throw syntaxError(this.#text, close?.pos ?? this.#text.length, "')' expected");
      }
      this.#index += 1;
      return inner;
    }
    if (token.kind !== "word") {
      throw syntaxError(this.#text, token.pos, `a property name expected, found ${describe(token)}`);
    }
    if (this.#tokens[this.#index + 1]?.kind === "lparen") {
      throw badRequest(
        `Invalid filter clause: the function '${token.text}' is not supported here; use eq, ne, lt, le, gt, ge, and, or.`,
      );
    }
    this.#index += 1;
    const property = token.text;
    const field = this.#entity.fields[property];
    if (!field) {
      throw badRequest(`Could not find a property named '${property}' on type '${this.#entity.typeName}'.`);
    }
    if (!this.#entity.filterable.has(property)) {
      throw badRequest(
        `Invalid filter clause: filtering on '${property}' is not supported; filterable properties: ${[...this.#entity.filterable].join(", ")}.`,
      );
    }
    const opToken = this.#tokens[this.#index];
    if (opToken?.kind !== "word" || !COMPARISONS.has(opToken.text)) {
      const where = opToken?.pos ?? this.#text.length;
      throw syntaxError(
        this.#text,
        where,
        `a comparison operator (eq, ne, lt, le, gt, ge) expected after '${property}'`,
      );
    }
    this.#index += 1;
    const op = opToken.text as ComparisonOp;
    const literal = this.#literal();
    return compare(property, field, op, literal);
  }

  #literal(): Literal {
    const token = this.#tokens[this.#index];
    if (!token) throw syntaxError(this.#text, this.#text.length, "a literal value expected");
    this.#index += 1;
    switch (token.kind) {
      case "string":
        return { kind: "string", value: token.value };
      case "typed":
        return { kind: "typed", typeName: token.typeName, value: token.value };
      case "datetime":
        return { kind: "datetime", value: token.value };
      case "number":
        return { kind: "number", text: token.text };
      case "word":
        if (token.text === "true" || token.text === "false")
          return { kind: "boolean", value: token.text === "true" };
        if (token.text === "null") return { kind: "null" };
        throw syntaxError(
          this.#text,
          token.pos,
          `a literal value expected, found '${token.text}' (quote strings: '${token.text}')`,
        );
      default:
        throw syntaxError(this.#text, token.pos, `a literal value expected, found ${describe(token)}`);
    }
  }

  #peekWord(word: string): boolean {
    const token = this.#tokens[this.#index];
    return token?.kind === "word" && token.text === word;
  }
}

function describe(token: Token): string {
  switch (token.kind) {
    case "lparen":
      return "'('";
    case "rparen":
      return "')'";
    case "comma":
      return "','";
    case "word":
      return `'${token.text}'`;
    case "number":
      return `'${token.text}'`;
    default:
      return "a literal";
  }
}

function literalType(literal: Literal): string {
  switch (literal.kind) {
    case "string":
      return "Edm.String";
    case "typed":
      return literal.typeName;
    case "datetime":
      return "Edm.DateTimeOffset";
    case "boolean":
      return "Edm.Boolean";
    case "number":
      return "Edm.Int32";
    case "null":
      return "null";
  }
}

function fieldTypeName(field: FieldType): string {
  switch (field.kind) {
    case "string":
      return "Edm.String";
    case "boolean":
      return "Edm.Boolean";
    case "dateTime":
      return "Edm.DateTimeOffset";
    case "enum":
      return field.type;
    case "object":
      return "Edm.ComplexType";
  }
}

function incompatible(field: FieldType, literal: Literal, op: ComparisonOp): GraphError {
  return badRequest(
    `A binary operator with incompatible types was detected. Found operand types '${fieldTypeName(field)}' and '${literalType(literal)}' for operator kind '${OPERATOR_NAMES[op]}'.`,
  );
}

/** Builds the predicate for one `property op literal`, after checking the literal fits the property. */
function compare(property: string, field: FieldType, op: ComparisonOp, literal: Literal): Predicate {
  if (literal.kind === "null") {
    if (op !== "eq" && op !== "ne") throw incompatible(field, literal, op);
    return op === "eq"
      ? (record) => record[property] === null || record[property] === undefined
      : (record) => record[property] !== null && record[property] !== undefined;
  }
  switch (field.kind) {
    case "string": {
      if (literal.kind !== "string") throw incompatible(field, literal, op);
      // Graph compares directory strings (UPNs, names) without regard to case.
      const value = literal.value.toLowerCase();
      return ordered(op, (record) => lower(record[property]), value);
    }
    case "dateTime": {
      if (literal.kind !== "datetime") {
        if (literal.kind === "string" && normalizeDateTime(literal.value) !== undefined) {
          throw badRequest(
            `Invalid filter clause: DateTimeOffset values are written without quotes, e.g. ${property} ${op} ${literal.value}.`,
          );
        }
        throw incompatible(field, literal, op);
      }
      return ordered(op, (record) => record[property] as string | undefined, literal.value);
    }
    case "boolean": {
      if (literal.kind !== "boolean" || (op !== "eq" && op !== "ne")) throw incompatible(field, literal, op);
      const value = literal.value;
      return op === "eq" ? (record) => record[property] === value : (record) => record[property] !== value;
    }
    case "enum": {
      if (literal.kind === "typed" && literal.typeName !== field.type) throw incompatible(field, literal, op);
      if (literal.kind !== "typed" && literal.kind !== "string") throw incompatible(field, literal, op);
      const member = field.members.find((m) => m.toLowerCase() === literal.value.toLowerCase());
      if (member === undefined) {
        throw badRequest(
          `The string '${literal.value}' is not a valid enumeration type constant for '${field.type}'; valid values: ${field.members.join(", ")}.`,
        );
      }
      if (op !== "eq" && op !== "ne") {
        throw badRequest(
          `Invalid filter clause: the operator '${op}' is not supported on the enumeration property '${property}'; use eq or ne.`,
        );
      }
      return op === "eq" ? (record) => record[property] === member : (record) => record[property] !== member;
    }
    case "object":
      throw badRequest(`Invalid filter clause: the property '${property}' cannot be compared to a literal.`);
  }
}

function lower(value: unknown): string | undefined {
  return typeof value === "string" ? value.toLowerCase() : undefined;
}

function ordered(
  op: ComparisonOp,
  read: (record: GraphRecord) => string | undefined,
  value: string,
): Predicate {
  switch (op) {
    case "eq":
      return (record) => read(record) === value;
    case "ne":
      return (record) => read(record) !== value;
    case "lt":
      return (record) => {
        const v = read(record);
        return v !== undefined && v < value;
      };
    case "le":
      return (record) => {
        const v = read(record);
        return v !== undefined && v <= value;
      };
    case "gt":
      return (record) => {
        const v = read(record);
        return v !== undefined && v > value;
      };
    case "ge":
      return (record) => {
        const v = read(record);
        return v !== undefined && v >= value;
      };
  }
}
