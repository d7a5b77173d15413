/**
 * How the CLI reports a failure: one line on stderr (an EntrakitError's message and hint, or "unexpected
 * error") and the exit status of src/errors.ts EXIT_CODES. Shared by main.ts (a whole command) and
 * warroom.ts (one line of the prompt, after which the session goes on).
 */
import { isEntrakitError } from "../errors.ts";

/** Writes the error's line to stderr and returns its exit status. */
export function reportError(error: unknown): number {
  if (isEntrakitError(error)) {
    process.stderr.write(`entrakit: ${error.toLine()}\n`);
    return error.exitCode;
  }
  process.stderr.write(
    `entrakit: unexpected error: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  return 1;
}
