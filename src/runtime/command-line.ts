/**
 * The War Room command language: `!command name=value name="value with spaces" name='literal'`.
 * `using=INSTANCE` picks the integration instance and is not passed to the command. Pure: no I/O.
 *
 * Quoting rules: inside "double quotes" a backslash escapes the next character (\" \\ \n \t); inside
 * 'single quotes' everything is literal; outside quotes a backslash escapes the next character. Quoted and
 * unquoted parts concatenate (`a=x"y z"` is `xy z`), as in a shell.
 */
import { EntrakitError } from "../errors.ts";

export interface CommandLine {
  /** Command name without the leading `!`. */
  command: string;
  /** Arguments in the order given (later duplicates are an error). */
  args: Record<string, string>;
  /** The `using=` instance name, when given. */
  using?: string;
}

const COMMAND_NAME = /^[A-Za-z][A-Za-z0-9_-]*$/;
const ARG_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
const DOUBLE_QUOTE_ESCAPES: Readonly<Record<string, string>> = { n: "\n", t: "\t", r: "\r" };

function usage(message: string, hint: string): EntrakitError {
  return new EntrakitError("usage", message, { hint });
}

interface Token {
  text: string;
  /** Index in `text` of the first `=` that was not inside quotes or escaped, or -1. */
  equals: number;
}

/** Splits a line into shell-like words, remembering where each word's first bare `=` was. */
function tokenize(line: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < line.length) {
    while (i < line.length && /\s/.test(line[i]!)) i++;
    if (i >= line.length) break;
    let text = "";
    let equals = -1;
    while (i < line.length && !/\s/.test(line[i]!)) {
      const ch = line[i]!;
      if (ch === '"' || ch === "'") {
        const start = i;
        i++;
        let closed = false;
        while (i < line.length) {
          const c = line[i]!;
          if (c === ch) {
            closed = true;
            i++;
            break;
          }
          if (c === "\\" && ch === '"' && i + 1 < line.length) {
            const next = line[i + 1]!;
            text += DOUBLE_QUOTE_ESCAPES[next] ?? next;
            i += 2;
            continue;
          }
          text += c;
          i++;
        }
        if (!closed) {
          const name = equals >= 0 ? text.slice(0, equals) : line.slice(start);
          const quote = ch === '"' ? "double" : "single";
          throw usage(
            `Unterminated ${quote} quote in ${equals >= 0 ? `argument "${name}"` : "the command line"}.`,
            `Close it with ${ch}${ch === '"' ? ' (write \\" for a literal quote)' : ""}.`,
          );
        }
        continue;
      }
      if (ch === "\\" && i + 1 < line.length) {
        text += line[i + 1];
        i += 2;
        continue;
      }
      if (ch === "=" && equals < 0) equals = text.length;
      text += ch;
      i++;
    }
    tokens.push({ text, equals });
  }
  return tokens;
}

/** Parses one War Room line. Throws a one-line usage error that says how to fix the line. */
export function parseCommandLine(line: string): CommandLine {
  const trimmed = line.trim();
  if (trimmed === "" || trimmed === "!") {
    throw usage("The command line is empty.", "Write a command such as !azure-risky-users-list limit=10.");
  }
  const tokens = tokenize(trimmed.startsWith("!") ? trimmed.slice(1) : trimmed);
  const [head, ...rest] = tokens;
  if (!head || !COMMAND_NAME.test(head.text)) {
    throw usage(
      `${JSON.stringify(head?.text ?? "")} is not a command name.`,
      "Start the line with !<command>, e.g. !azure-risky-users-list limit=10.",
    );
  }
  const args: Record<string, string> = {};
  let using: string | undefined;
  for (const token of rest) {
    if (token.equals < 0) {
      throw usage(
        `Argument ${JSON.stringify(token.text)} has no value.`,
        `Write name=value, e.g. ${token.text}=value (quote values that contain spaces).`,
      );
    }
    const name = token.text.slice(0, token.equals);
    const value = token.text.slice(token.equals + 1);
    if (!ARG_NAME.test(name)) {
      throw usage(
        `${JSON.stringify(name)} is not a valid argument name.`,
        "Argument names are letters, digits and underscores, e.g. risk_level=high.",
      );
    }
    if (name === "using") {
      if (using !== undefined) throw usage("using= is given twice.", "Name one instance.");
      if (value === "") throw usage("using= is empty.", "Write using=INSTANCE_NAME.");
      using = value;
      continue;
    }
    if (Object.hasOwn(args, name)) {
      throw usage(`Argument "${name}" is given twice.`, `Keep one ${name}=... on the line.`);
    }
    args[name] = value;
  }
  return using === undefined ? { command: head.text, args } : { command: head.text, args, using };
}

/** Quotes a value so that parseCommandLine reads it back unchanged (used by completion and history). */
export function quoteArgument(value: string): string {
  if (value !== "" && /^[^\s"'\\]+$/.test(value)) return value;
  return `"${value.replace(/["\\]/g, (c) => `\\${c}`).replace(/\n/g, "\\n")}"`;
}

/** Formats a parsed line back into War Room syntax. */
export function formatCommandLine(line: CommandLine): string {
  const parts = [`!${line.command}`];
  for (const [name, value] of Object.entries(line.args)) parts.push(`${name}=${quoteArgument(value)}`);
  if (line.using !== undefined) parts.push(`using=${quoteArgument(line.using)}`);
  return parts.join(" ");
}
