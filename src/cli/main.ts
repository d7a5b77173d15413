/**
 * The `entrakit` command line. Each subcommand lives in its own module and registers itself on the
 * program; this file only assembles them and turns errors into one line and a documented exit status.
 */
import { Command, CommanderError } from "commander";
import { reportError } from "./error-line.ts";

type Register = (program: Command) => void;

/**
 * Subcommands by name, each loaded on demand: a command line imports only the module of the subcommand it
 * runs (the emulator and the proxy pull in much more than `run` needs), which keeps CLI start-up short.
 */
const SUBCOMMANDS: ReadonlyArray<readonly [name: string, load: () => Promise<Register>]> = [
  ["emulator", async () => (await import("./emulator.ts")).registerEmulatorCommand],
  ["integrations", async () => (await import("./integrations.ts")).registerIntegrationsCommand],
  ["proxy", async () => (await import("./proxy.ts")).registerProxyCommand],
  ["store", async () => (await import("./store.ts")).registerStoreCommand],
  ["instance", async () => (await import("./instance.ts")).registerInstanceCommand],
  ["run", async () => (await import("./run.ts")).registerRunCommand],
  ["context", async () => (await import("./context.ts")).registerContextCommand],
  ["demo", async () => (await import("./demo.ts")).registerDemoCommand],
  ["warroom", async () => (await import("./warroom.ts")).registerWarroomCommand],
];

/** The program with the subcommand `argv` names, or with all of them (help, unknown or no subcommand). */
async function buildProgram(argv: string[] = []): Promise<Command> {
  const program = new Command("entrakit")
    .description("Microsoft cloud authentication and integrations for security automation")
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride();
  const named = SUBCOMMANDS.find(([name]) => name === argv[2]);
  for (const [, load] of named ? [named] : SUBCOMMANDS) (await load())(program);
  return program;
}

/** Runs the CLI and resolves to the process exit status. */
export async function main(argv: string[]): Promise<number> {
  try {
    const program = await buildProgram(argv);
    await program.parseAsync(argv);
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? 0 : 2;
    }
    return reportError(error);
  }
}

if (import.meta.main) {
  process.exitCode = await main(process.argv);
}
