/**
 * `!help` and `!help <command>`, read from the command schemas so they cannot drift from what the
 * validator accepts (tab completion, from the same schemas, is completion.ts). Pure: the REPL passes the
 * integrations and prints what comes back.
 */
import type { CommandSpec, IntegrationDefinition } from "../integrations/types.ts";
import { allCommands } from "./auth-commands.ts";
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

/** `!help` in the War Room: one table per integration, auth commands first, in the order given. */
export function integrationsHelp(definitions: readonly IntegrationDefinition[]): string {
  return definitions
    .map((definition) => commandListHelp(`${definition.display} commands`, allCommands(definition)))
    .join("\n");
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
  text +=
    args.length === 0
      ? "\nTakes no arguments.\n"
      : `\n${tableToMarkdown("Arguments", args, { headers: ["Argument", "Required", "Default", "Values", "Description"], removeNull: true })}`;
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
