/**
 * The War Room prompt's history rules: which lines are kept, how many, and the file format. Pure: the
 * REPL (src/cli/warroom.ts) reads and writes the file.
 *
 * A line is not kept when it looks like it carries a secret (when in doubt, it is left out):
 * - an argument whose name says secret: it contains `secret`, `passw`, `pwd`, `credential`, `private`,
 *   `assertion` or `apikey`/`api_key`, ends in `key`, or is `token`, `access_token`, `refresh_token`,
 *   `id_token`, `code` or `auth_code`;
 * - or any value that looks like one: a JWT (`eyJ...`), a PEM block, a `Bearer ` credential, an Entra
 *   client secret (`abc1Q~...`), or a run of 32 or more token characters that mixes upper case, lower
 *   case and digits (GUIDs, dates, words and a URL's host and path do not; its query is scanned).
 */

/** Lines kept in the history file (the oldest go first). */
export const HISTORY_LIMIT = 1000;

const SECRET_NAME =
  /secret|passw|pwd|credential|private|assertion|api_?key|key$|^(token|access_token|refresh_token|id_token|code|auth_code)$/i;

const SECRET_VALUE: readonly RegExp[] = [
  /eyJ[\w-]+\.[\w-]+\./, // a JWT
  /-----BEGIN /, // a PEM block
  /\bBearer\s+\S/i,
  /\b\w{3}\dQ~[\w.~-]{20,}/, // an Entra client secret
];

const OPAQUE_RUN = /[A-Za-z0-9+/_~.=-]{32,}/g;

function opaque(run: string): boolean {
  return /[A-Z]/.test(run) && /[a-z]/.test(run) && /\d/.test(run);
}

/** Whether `line` may be written to the history (see the module comment for the rule). */
export function keepInHistory(line: string): boolean {
  if (line.trim() === "") return false;
  for (const match of line.matchAll(/(?:^|\s)!?([A-Za-z_][\w.-]*)=/g)) {
    if (SECRET_NAME.test(match[1]!)) return false;
  }
  if (SECRET_VALUE.some((pattern) => pattern.test(line))) return false;
  // A URL's host and path are not secret (its query may be: a skip token is scanned like any value).
  const scanned = line.replace(/https?:\/\/[^\s?"']*/g, " ");
  return ![...scanned.matchAll(OPAQUE_RUN)].some((match) => opaque(match[0]));
}

/** The history file's lines (oldest first) as the newest-first list readline takes, bounded. */
export function parseHistory(text: string): string[] {
  const lines = text.split("\n").filter((line) => line.trim() !== "" && keepInHistory(line));
  return lines.slice(-HISTORY_LIMIT).reverse();
}

/** readline's newest-first list as the file's text (oldest first, one line each), bounded. */
export function formatHistory(newestFirst: readonly string[]): string {
  const kept = newestFirst.filter((line) => !line.includes("\n") && keepInHistory(line));
  const lines = kept.slice(0, HISTORY_LIMIT).reverse();
  return lines.length === 0 ? "" : `${lines.join("\n")}\n`;
}
