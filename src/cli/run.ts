/**
 * `entrakit run '<line>'`: one War Room line against the instance it routes to. The result goes to stdout
 * (markdown, aligned tables on a TTY, or `--output json`), errors to stderr as one line, and the exit
 * status follows src/errors.ts EXIT_CODES (main.ts maps thrown errors).
 */
import type { Command } from "commander";
import { withStore } from "./instance-input.ts";
import { checkOutput, progressLine, writeResults } from "./results.ts";

interface RunOptions {
  output?: string;
  store?: string;
}

export function registerRunCommand(program: Command): void {
  program
    .command("run")
    .description("run one War Room command line, e.g. entrakit run '!azure-risky-users-list limit=10'")
    .argument("<line>", "the command line (quote it for the shell)")
    .option("--output <format>", "md (raw markdown) or json; default: tables on a TTY, markdown otherwise")
    .option("--store <url>", "store URL (sqlite:..., redis://...); default $ENTRAKIT_STORE")
    .action(async (line: string, options: RunOptions, command: Command) => {
      const output = checkOutput(options.output);
      const progress = progressLine();
      // Loaded on use: the credential stack is most of the CLI's start-up time, and other commands skip it.
      const { runLine } = await import("../runtime/session.ts");
      const outcome = await withStore(command, (store) =>
        runLine(line, {
          store,
          ...(progress.report ? { progress: progress.report } : {}),
          onWarning: (message) => process.stderr.write(`entrakit: warning: ${message}\n`),
        }),
      );
      progress.clear();
      await writeResults(outcome.results, output);
    });
}
