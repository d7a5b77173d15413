/**
 * `entrakit run '<line>'`: one War Room line against the instance it routes to. The result goes to stdout
 * (markdown, aligned tables on a TTY, or `--output json`), errors to stderr as one line, and the exit
 * status follows src/errors.ts EXIT_CODES (main.ts maps thrown errors).
 */
import type { Command } from "commander";
import { EntrakitError } from "../errors.ts";
import { renderTerminal, shouldUseColor } from "../runtime/render.ts";
import { toJsonEntry } from "../runtime/result.ts";
import { withStore } from "./instance-input.ts";

const OUTPUTS = ["md", "json"] as const;

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
      const output = options.output;
      if (output !== undefined && !(OUTPUTS as readonly string[]).includes(output)) {
        throw new EntrakitError("usage", `--output ${output} is not a format.`, {
          hint: "Use --output md or --output json.",
        });
      }
      let progressShown = false;
      const progress = process.stderr.isTTY
        ? (message: string) => {
            progressShown = true;
            process.stderr.write(`\r\x1b[2K${message}`);
          }
        : undefined;
      // Loaded on use: the credential stack is most of the CLI's start-up time, and other commands skip it.
      const { runLine } = await import("../runtime/session.ts");
      const outcome = await withStore(command, (store) =>
        runLine(line, {
          store,
          ...(progress ? { progress } : {}),
          onWarning: (message) => process.stderr.write(`entrakit: warning: ${message}\n`),
        }),
      );
      if (progressShown) process.stderr.write("\r\x1b[2K");
      if (output === "json") {
        process.stdout.write(`${JSON.stringify(outcome.results.map(toJsonEntry), null, 2)}\n`);
        return;
      }
      const markdown = outcome.results.map((result) => result.readable).join("\n\n");
      if (output === undefined && process.stdout.isTTY) {
        const color = shouldUseColor(process.env, true);
        const width = process.stdout.columns;
        process.stdout.write(`${renderTerminal(markdown, width ? { color, width } : { color })}\n`);
      } else {
        process.stdout.write(`${markdown}\n`);
      }
    });
}
