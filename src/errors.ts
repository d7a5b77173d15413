/**
 * One error base for the whole library. Callers branch on `code` (a closed union) and the CLI maps each
 * code to a documented exit status. Messages say what happened and what to do next; they never carry a
 * secret, token, key or authorization code.
 */
export type ErrorCode =
  | "usage"
  | "configuration"
  | "authentication_failed"
  | "authentication_required"
  | "authorization_pending"
  | "permission_denied"
  | "not_found"
  | "throttled"
  | "network"
  | "store"
  | "sealed_data"
  | "conflict"
  | "internal";

/** Exit statuses of the `entrakit` command, one per error code (documented in docs/cli.md). */
export const EXIT_CODES: Readonly<Record<ErrorCode, number>> = {
  usage: 2,
  configuration: 3,
  authentication_failed: 4,
  authentication_required: 5,
  authorization_pending: 6,
  permission_denied: 7,
  not_found: 8,
  throttled: 9,
  network: 10,
  store: 11,
  sealed_data: 12,
  conflict: 13,
  internal: 1,
};

export interface EntrakitErrorOptions {
  cause?: unknown;
  /** What the user should do next, shown after the message. */
  hint?: string;
}

/** Marks entrakit errors across module copies (the CLI bundle loads each subcommand as its own file). */
const BRAND = Symbol.for("entrakit.EntrakitError");

export class EntrakitError extends Error {
  readonly [BRAND] = true;
  readonly code: ErrorCode;
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, options: EntrakitErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "EntrakitError";
    this.code = code;
    this.hint = options.hint;
  }

  get exitCode(): number {
    return EXIT_CODES[this.code];
  }

  /** One line for a terminal: the message, then the hint when there is one. */
  toLine(): string {
    return this.hint ? `${this.message} ${this.hint}` : this.message;
  }
}

export function isEntrakitError(value: unknown): value is EntrakitError {
  return (
    value instanceof EntrakitError ||
    (typeof value === "object" && value !== null && (value as { [BRAND]?: unknown })[BRAND] === true)
  );
}
