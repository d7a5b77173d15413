/**
 * How the CLI shows command results and progress, shared by `entrakit run` and `entrakit warroom` so a
 * line looks the same in both: `--output json` entries, raw markdown (`--output md`, or stdout not a
 * terminal), or aligned tables on a terminal (colour unless NO_COLOR); progress on stderr when it is a
 * terminal, cleared before the result.
 */
import { EntrakitError } from "../errors.ts";
import { JsonStringPieces, jsonChunks } from "../runtime/json-chunks.ts";
import { fieldOrPages } from "../runtime/paged-list.ts";
import { readableChunks, shouldUseColor, terminalLines } from "../runtime/render.ts";
import { type CommandResult, contextKeyOf, toJsonEntry } from "../runtime/result.ts";

const OUTPUTS = ["md", "json"] as const;
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

/**
 * Writes one line's results to stdout in the chosen format, in pieces of about 64 KiB, waiting for the
 * reader when stdout is a pipe that is full: a 100,000-row result is never one string (or one Buffer, or
 * a queue of them) in memory.
 */
export async function writeResults(
  results: readonly CommandResult[],
  output: OutputFormat | undefined,
): Promise<void> {
  let batch = "";
  for (const chunk of outputChunks(results, output)) {
    batch += chunk;
    if (batch.length >= 65_536) {
      if (!process.stdout.write(batch)) await drained(process.stdout);
      batch = "";
    }
  }
  if (batch !== "" && !process.stdout.write(batch)) await drained(process.stdout);
}

/** Resolves when the stream wants more, or can take no more (closed, failed). */
function drained(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      stream.off("drain", done).off("close", done).off("error", done);
      resolve();
    };
    stream.once("drain", done).once("close", done).once("error", done);
  });
}

/** What `writeResults` writes, in pieces (exported for tests). */
export function* outputChunks(
  results: readonly CommandResult[],
  output: OutputFormat | undefined,
): Generator<string> {
  if (output === "json") {
    // toJsonEntry without touching a lazily rendered readable, which is then written piece by piece, or
    // paged items (runtime/paged-list.ts), which are written a page at a time.
    const entries = results.map((result) => {
      const entry = toJsonEntry({ readable: "", raw: result.raw });
      const { outputs } = result;
      return {
        ...entry,
        readable: new JsonStringPieces(() => readableChunks(result)),
        outputs: outputs
          ? { prefix: outputs.prefix, key: outputs.key ?? null, data: fieldOrPages(outputs, "data") }
          : null,
        contextKey: outputs ? contextKeyOf(outputs) : null,
      };
    });
    yield* jsonChunks(entries);
    yield "\n";
    return;
  }
  if (output === undefined && process.stdout.isTTY) {
    const color = shouldUseColor(process.env, true);
    const width = process.stdout.columns;
    // A function, not the text: the renderer reads the markdown twice (widths, then lines), afresh.
    for (const line of terminalLines(() => markdownChunks(results), width ? { color, width } : { color })) {
      yield `${line}\n`;
    }
    yield "\n";
    return;
  }
  yield* markdownChunks(results);
  yield "\n";
}

/** The results' markdown, blank-line separated, as `results.map(r => r.readable).join("\n\n")` reads. */
function* markdownChunks(results: readonly CommandResult[]): Generator<string> {
  for (let i = 0; i < results.length; i++) {
    if (i > 0) yield "\n\n";
    yield* readableChunks(results[i]!);
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
