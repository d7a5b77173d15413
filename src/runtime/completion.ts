/**
 * Tab completion and "close matches" for the War Room prompt, read from the command schemas so they
 * cannot drift from what the validator accepts. Pure: the REPL passes the line typed so far and the
 * names it knows (commands, built-ins, instances) and offers what comes back.
 */
import type { CommandSpec } from "../integrations/types.ts";
import { distance } from "./arguments.ts";
import { quoteArgument } from "./command-line.ts";

export interface CompletionSource {
  /** The commands that can run (data and auth commands). */
  commands: readonly CommandSpec[];
  /** Built-in words completed after `!` too (`help`, `context`, ...). */
  builtins?: readonly string[];
  /** Instance names, offered after `using=`. */
  instances?: readonly string[];
}

/** Built-ins whose first argument is a command name (`!help <command>`). */
const TAKES_COMMAND = new Set(["help"]);

/**
 * Completions for the word being typed at the end of `line`: command and built-in names after `!`,
 * a command name after `!help `, then the command's argument names not yet given (`name=`), then the
 * predefined values after `name=` and instance names after `using=` (also for `!context`). Each
 * completion is the whole replacement for the last word (readline replaces that word with it).
 */
export function complete(line: string, source: CompletionSource): string[] {
  const word = currentWord(line);
  const before = line.slice(0, line.length - word.length);
  const builtins = source.builtins ?? [];
  if (before.trim() === "") {
    const prefix = word.replace(/^!/, "");
    return unique([...builtins, ...source.commands.map((c) => c.name)])
      .filter((name) => name.startsWith(prefix))
      .map((name) => `!${name}`);
  }
  const words = before.trim().split(/\s+/);
  const head = words[0]!.replace(/^!/, "");
  if (TAKES_COMMAND.has(head) && builtins.includes(head)) {
    if (words.length > 1) return [];
    return source.commands.map((c) => c.name).filter((name) => name.startsWith(word.replace(/^!/, "")));
  }
  if (head === "context" && builtins.includes(head)) {
    if (before.includes("using=")) return [];
    if (word.startsWith("using=")) return instanceValues(word, source);
    return "using=".startsWith(word) && word !== "" ? ["using="] : [];
  }
  const command = source.commands.find((c) => c.name === head);
  if (!command) return [];
  const equals = word.indexOf("=");
  if (equals < 0) {
    const used = new Set([...before.matchAll(/\s([A-Za-z_][\w.-]*)=/g)].map((m) => m[1]));
    return [...command.args.filter((arg) => !arg.hidden).map((arg) => arg.name), "using"]
      .filter((name) => name.startsWith(word) && !used.has(name))
      .map((name) => `${name}=`);
  }
  const name = word.slice(0, equals);
  if (name === "using") return instanceValues(word, source);
  const values = command.args.find((arg) => arg.name === name)?.predefined ?? [];
  return valuesFor(name, word.slice(equals + 1), values);
}

function instanceValues(word: string, source: CompletionSource): string[] {
  return valuesFor("using", word.slice("using=".length), source.instances ?? []);
}

/** `name=value` for each value that starts with what is typed (an opening quote aside). */
function valuesFor(name: string, typed: string, values: readonly string[]): string[] {
  const start = typed.replace(/^["']/, "");
  return values.filter((value) => value.startsWith(start)).map((value) => `${name}=${quoteArgument(value)}`);
}

/**
 * The word being typed at the end of `line`: from the last blank that is not inside quotes (so
 * `order_by="riskLastUpdatedDateTime a` is one word). readline replaces this many characters.
 */
export function currentWord(line: string): string {
  let start = 0;
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quote) {
      if (ch === quote) quote = undefined;
      else if (ch === "\\" && quote === '"') i++;
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === "\\") i++;
    else if (/\s/.test(ch)) start = i + 1;
  }
  return line.slice(start);
}

/**
 * Up to `limit` names close to `typed`, best first: names that start with it or contain it, else the
 * names fewest edits away (at most a third of its length, at least two). Case-insensitive.
 */
export function closeMatches(typed: string, names: readonly string[], limit = 3): string[] {
  const wanted = typed.toLowerCase();
  if (wanted === "") return [];
  const budget = Math.max(2, Math.floor(wanted.length / 3));
  const near: string[] = [];
  const edited: { name: string; edits: number }[] = [];
  for (const name of unique(names)) {
    const lower = name.toLowerCase();
    if (lower.startsWith(wanted) || lower.includes(wanted)) near.push(name);
    else {
      const edits = distance(wanted, lower);
      if (edits <= budget) edited.push({ name, edits });
    }
  }
  const fewest = Math.min(...edited.map((entry) => entry.edits));
  const ranked = [
    ...near.sort(
      (a, b) =>
        Number(!b.toLowerCase().startsWith(wanted)) - Number(!a.toLowerCase().startsWith(wanted)) ||
        a.localeCompare(b),
    ),
    ...edited
      .filter((entry) => entry.edits === fewest)
      .map((entry) => entry.name)
      .sort(),
  ];
  return ranked.slice(0, limit);
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}
