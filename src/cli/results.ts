/**
 * How the CLI shows command results and progress, shared by `entrakit run` and `entrakit warroom` so a
 * line looks the same in both: `--output json` entries, raw markdown (`--output md`, or stdout not a
 * terminal), or aligned tables on a terminal (colour unless NO_COLOR); progress on stderr when it is a
 * terminal, cleared before the result.
 */
import { EntrakitError } from "../errors.ts";
import { renderTerminal, shouldUseColor } from "../runtime/render.ts";
import { type CommandResult, toJsonEntry } from "../runtime/result.ts";

export const OUTPUTS = ["md", "json"] as const;
export type OutputFormat = (typeof OUTPUTS)[number];

/** The `--output` option, checked. */
export function checkOutput(output: string | undefined): OutputFormat | undefined {
  if (output === undefined || (OUTPUTS as readonly string[]).includes(output)) {
    return output as OutputFormat | undefined;
  }
  throw new EntrakitError("usage", `--output ${output} is not a format.`, {
    hint: "Use --output md or --output json.",
  });
}

/** Writes one line's results to stdout in the chosen format. */
export function writeResults(results: readonly CommandResult[], output: OutputFormat | undefined): void {
  if (output === "json") {
    process.stdout.write(`${JSON.stringify(results.map(toJsonEntry), null, 2)}\n`);
    return;
  }
  const markdown = results.map((result) => result.readable).join("\n\n");
  if (output === undefined && process.stdout.isTTY) {
    const color = shouldUseColor(process.env, true);
    const width = process.stdout.columns;
    process.stdout.write(`${renderTerminal(markdown, width ? { color, width } : { color })}\n`);
  } else {
    process.stdout.write(`${markdown}\n`);
  }
}

export interface ProgressLine {
  /** The callback for runLine, or undefined when stderr is not a terminal. */
  report: ((message: string) => void) | undefined;
  /** Erases the line if anything was shown. */
  clear(): void;
}

/** A progress line on stderr (one line, redrawn in place) when stderr is a terminal. */
export function progressLine(): ProgressLine {
  let shown = false;
  return {
    report: process.stderr.isTTY
      ? (message: string) => {
          shown = true;
          process.stderr.write(`\r\x1b[2K${message}`);
        }
      : undefined,
    clear() {
      if (shown) process.stderr.write("\r\x1b[2K");
      shown = false;
    },
  };
}
