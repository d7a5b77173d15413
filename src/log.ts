/**
 * The redacting logger. Everything that logs goes through here, and redaction happens here, once: header
 * values like Authorization, secret-bearing query and form parameters, JSON fields holding tokens or keys,
 * bare JWTs, Bearer values and PEM private keys are replaced before a line is written. Callers may still
 * pass raw values by mistake; the sink never sees them.
 */

export type LogLevel = "debug" | "info" | "warn" | "error";

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

export interface LogRecord {
  level: LogLevel;
  message: string;
  fields?: LogFields;
}

const LEVEL_ORDER: Readonly<Record<LogLevel, number>> = { debug: 10, info: 20, warn: 30, error: 40 };

export const REDACTED = "[REDACTED]";

/** Header names whose values are credentials (lower case). */
const SECRET_HEADERS: ReadonlySet<string> = new Set([
  "authorization",
  "proxy-authorization",
  "cookie",
  "set-cookie",
  "x-identity-header",
  "secret",
  "x-ms-client-secret",
  "ocp-apim-subscription-key",
]);

/** Parameter and JSON field names whose values are secrets, wherever they appear (lower case). */
const SECRET_NAMES: ReadonlySet<string> = new Set([
  "access_token",
  "refresh_token",
  "id_token",
  "client_secret",
  "client_assertion",
  "assertion",
  "code",
  "code_verifier",
  "device_code",
  "password",
  "encrypted_token",
  "private_key",
  "privatekey",
  "secret",
  "token",
  "sig",
  "key",
  "enc_key",
  "current_refresh_token",
  "auth_code",
]);

export function isSecretName(name: string): boolean {
  return SECRET_NAMES.has(name.toLowerCase());
}

/**
 * In JSON, `code` is what Graph/ARM/Entra call their error code (`Forbidden`, `invalid_grant`...), which
 * diagnosis needs; an authorization code only travels as a query or form parameter, redacted there.
 */
function isSecretField(name: string): boolean {
  return name.toLowerCase() !== "code" && isSecretName(name);
}

/** A copy of the headers with credential values replaced. */
export function redactHeaders(
  headers: Readonly<Record<string, string | string[] | undefined>>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const text = Array.isArray(value) ? value.join(", ") : value;
    out[name] = SECRET_HEADERS.has(name.toLowerCase()) ? REDACTED : redactText(text);
  }
  return out;
}

/** The URL with user info and secret query parameters replaced (the rest kept for diagnosis). */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return redactText(url);
  }
  if (parsed.username || parsed.password) {
    parsed.username = "redacted";
    parsed.password = "";
  }
  for (const name of [...parsed.searchParams.keys()]) {
    if (isSecretName(name)) parsed.searchParams.set(name, REDACTED);
  }
  return parsed.toString();
}

const TEXT_RULES: ReadonlyArray<readonly [RegExp, string | ((...groups: string[]) => string)]> = [
  // PEM private keys (any flavour), before anything else cuts them apart.
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g, `${REDACTED} private key`],
  // Bearer / Basic credentials in free text.
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, (_m, scheme) => `${scheme} ${REDACTED}`],
  // JWTs (three base64url parts, header starts with eyJ).
  [/\beyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*/g, `${REDACTED} jwt`],
  // "name": "value" JSON pairs with secret names.
  [
    /"([A-Za-z_]+)"(\s*:\s*)"((?:[^"\\]|\\.)*)"/g,
    (match, name, sep) => (isSecretField(name) ? `"${name}"${sep}"${REDACTED}"` : match),
  ],
  // name=value pairs (form bodies, query strings, free text).
  [
    /(^|[?&\s;,])([A-Za-z_]+)=([^&\s;,]*)/g,
    (match, lead, name) => (isSecretName(name) ? `${lead}${name}=${REDACTED}` : match),
  ],
  // refresh_token:<value> (the reference's auth-code prefix trick).
  [/\brefresh_token:\S+/g, `refresh_token:${REDACTED}`],
];

/** Redacts secrets inside arbitrary text: form bodies, JSON bodies, messages. */
export function redactText(text: string): string {
  let out = text;
  for (const [pattern, replacement] of TEXT_RULES) {
    out = out.replace(pattern, replacement as (substring: string, ...args: string[]) => string);
  }
  return out;
}

/** Redacts a structured value: secret-named keys are replaced, strings are scanned, depth is bounded. */
export function redactValue(value: unknown, depth = 0): unknown {
  if (depth > 6) return "[…]";
  if (typeof value === "string") return redactText(value);
  if (Array.isArray(value)) return value.map((item) => redactValue(item, depth + 1));
  if (value instanceof Error) return redactText(`${value.name}: ${value.message}`);
  if (typeof value === "object" && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      out[key] =
        isSecretField(key) || SECRET_HEADERS.has(key.toLowerCase()) ? REDACTED : redactValue(item, depth + 1);
    }
    return out;
  }
  return value;
}

export interface LoggerOptions {
  /** Lowest level written. Default `info`. */
  level?: LogLevel;
  /** Where redacted records go. Default: one line each on stderr. */
  sink?: (record: LogRecord) => void;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const threshold = LEVEL_ORDER[options.level ?? "info"];
  const sink = options.sink ?? stderrSink;
  const write = (level: LogLevel, message: string, fields?: LogFields) => {
    if (LEVEL_ORDER[level] < threshold) return;
    const record: LogRecord = { level, message: redactText(message) };
    if (fields) record.fields = redactValue(fields) as LogFields;
    sink(record);
  };
  return {
    debug: (message, fields) => write("debug", message, fields),
    info: (message, fields) => write("info", message, fields),
    warn: (message, fields) => write("warn", message, fields),
    error: (message, fields) => write("error", message, fields),
  };
}

/** Drops everything; the default where a caller gave no logger. */
export const silentLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
};

function stderrSink(record: LogRecord): void {
  const fields = record.fields ? ` ${JSON.stringify(record.fields)}` : "";
  process.stderr.write(`[entrakit] ${record.level}: ${record.message}${fields}\n`);
}
