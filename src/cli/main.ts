/**
 * The `entrakit` command line. Each subcommand lives in its own module and registers itself on the
 * program; this file only assembles them and turns errors into one line and a documented exit status.
 */
import { Command, CommanderError } from "commander";
import { isEntrakitError } from "../errors.ts";
import { registerContextCommand } from "./context.ts";
import { registerEmulatorCommand } from "./emulator.ts";
import { registerInstanceCommand } from "./instance.ts";
import { registerIntegrationsCommand } from "./integrations.ts";
import { registerProxyCommand } from "./proxy.ts";
import { registerRunCommand } from "./run.ts";
import { registerStoreCommand } from "./store.ts";

export function buildProgram(): Command {
  const program = new Command("entrakit")
    .description("Microsoft cloud authentication and integrations for security automation")
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride();
  registerEmulatorCommand(program);
  registerIntegrationsCommand(program);
  registerProxyCommand(program);
  registerStoreCommand(program);
  registerInstanceCommand(program);
  registerRunCommand(program);
  registerContextCommand(program);
  return program;
}

/** Runs the CLI and resolves to the process exit status. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? 0 : 2;
    }
    if (isEntrakitError(error)) {
      process.stderr.write(`entrakit: ${error.toLine()}\n`);
      return error.exitCode;
    }
    process.stderr.write(
      `entrakit: unexpected error: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    return 1;
  }
}

if (import.meta.main) {
  process.exitCode = await main(process.argv);
}
