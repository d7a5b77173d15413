/**
 * `!help`, `!help <command>` and tab completion, all read from the command schemas, so they cannot drift
 * from what the validator accepts. Pure: the REPL passes the line and prints what comes back.
 */
import type { CommandSpec } from "../integrations/types.ts";
import { quoteArgument } from "./command-line.ts";
import { tableToMarkdown } from "./render.ts";

/** `!help`: every command with its description (write commands marked). */
export function commandListHelp(title: string, commands: readonly CommandSpec[]): string {
  const rows = commands.map((command) => ({
    Command: `!${command.name}`,
    Description:
      command.effect === "write" ? `${command.description} (changes the tenant)` : command.description,
  }));
  return tableToMarkdown(title, rows, { headers: ["Command", "Description"] });
}

/** `!help <command>`: arguments (required, default, accepted values) and the context paths it writes. */
export function commandHelp(command: CommandSpec): string {
  const args = command.args
    .filter((arg) => !arg.hidden)
    .map((arg) => ({
      Argument: arg.name,
      Required: arg.required ? "yes" : "",
      Default: arg.default ?? "",
      Values:
        arg.predefined?.join(", ") ??
        rangeText(arg.range) ??
        (arg.type && arg.type !== "string" ? arg.type : ""),
      Description: arg.description,
    }));
  const outputs = command.outputs.flatMap((schema) =>
    schema.paths.map((path) => ({
      Path: `${schema.prefix}.${path.path}`,
      Type: path.type,
      Description: path.description ?? "",
    })),
  );
  let text = `### !${command.name}\n${command.description}\n`;
  if (command.permission)
    text += `Needs ${command.permission}${command.licence ? ` and ${command.licence}` : ""}.\n`;
  text += `\n${tableToMarkdown("Arguments", args, { headers: ["Argument", "Required", "Default", "Values", "Description"], removeNull: true })}`;
  if (outputs.length > 0) {
    const keys = command.outputs
      .filter((schema) => schema.key)
      .map((schema) => `${schema.prefix} by ${schema.key}`);
    const merge = keys.length > 0 ? `Merged into the context: ${keys.join("; ")}.` : undefined;
    text += `\n${tableToMarkdown("Context outputs", outputs, { headers: ["Path", "Type", "Description"], ...(merge ? { metadata: merge } : {}) })}`;
  }
  return text;
}

function rangeText(range: { min?: number; max?: number } | undefined): string | undefined {
  if (!range) return undefined;
  if (range.min !== undefined && range.max !== undefined) return `${range.min}-${range.max}`;
  if (range.min !== undefined) return `${range.min} or more`;
  return range.max !== undefined ? `up to ${range.max}` : undefined;
}

/**
 * Completions for the word being typed at the end of `line`: command names after `!`, then the
 * command's unused argument names (`name=`), then predefined values after `name=`. Each completion is
 * the whole replacement for the last word.
 */
export function complete(
  line: string,
  commands: readonly CommandSpec[],
  extraNames: readonly string[] = [],
): string[] {
  const lastBlank = line.search(/\s\S*$/);
  const word = lastBlank < 0 ? line : line.slice(lastBlank + 1);
  const before = lastBlank < 0 ? "" : line.slice(0, lastBlank);
  if (before.trim() === "") {
    const prefix = word.replace(/^!/, "");
    return [...extraNames, ...commands.map((c) => c.name)]
      .filter((name) => name.startsWith(prefix))
      .map((name) => `!${name}`);
  }
  const commandName = before.trim().split(/\s+/)[0]!.replace(/^!/, "");
  const command = commands.find((c) => c.name === commandName);
  if (!command) return [];
  const equals = word.indexOf("=");
  if (equals < 0) {
    const used = new Set([...before.matchAll(/\s([A-Za-z_][\w.-]*)=/g)].map((m) => m[1]));
    return [...command.args.filter((arg) => !arg.hidden).map((arg) => arg.name), "using"]
      .filter((name) => name.startsWith(word) && !used.has(name))
      .map((name) => `${name}=`);
  }
  const name = word.slice(0, equals);
  const typed = word.slice(equals + 1).replace(/^["']/, "");
  const arg = command.args.find((a) => a.name === name);
  return (arg?.predefined ?? [])
    .filter((value) => value.startsWith(typed))
    .map((value) => `${name}=${quoteArgument(value)}`);
}
