/**
 * Entra ID (OAuth 2 §5.2 + Microsoft extras) error bodies, parsed defensively and pure. The reference
 * module's bugs are what this avoids: a JSON body without `error` is not "None: None", an array body does
 * not throw, an empty `error_codes` list is just empty, and `error_description` is kept even when `error`
 * is an object.
 */

export interface EntraErrorBody {
  /** OAuth `error` (`invalid_client`, `invalid_grant`, ...): the value to branch on. */
  error: string;
  /** Human text, usually `AADSTSnnnn: ...` followed by Trace ID / Correlation ID / Timestamp lines. */
  errorDescription: string;
  /** The AADSTS numbers. Empty when the body had none. */
  errorCodes: number[];
  traceId?: string;
  correlationId?: string;
  /** Entra's own `YYYY-MM-DD hh:mm:ssZ` text, kept as sent. */
  timestamp?: string;
  /** `basic_action`, `consent_required`, `bad_token`, ... (MSAL's interaction-required sub-errors). */
  suberror?: string;
  /** A claims challenge (JSON text) to echo back on the next token request. */
  claims?: string;
  errorUri?: string;
}

/**
 * Parses a token-endpoint style error body (text or already-parsed JSON). Undefined when the body is not
 * an OAuth error object, so callers fall back to the raw text instead of inventing fields.
 */
export function parseEntraError(body: unknown): EntraErrorBody | undefined {
  const record = asRecord(typeof body === "string" ? parseJson(body) : body);
  if (!record) return undefined;
  const error = typeof record.error === "string" ? record.error : undefined;
  const description = stringField(record, "error_description");
  if (error === undefined && description === undefined) return undefined;
  const codes = Array.isArray(record.error_codes)
    ? record.error_codes.map(Number).filter((code) => Number.isInteger(code))
    : codesFromDescription(description ?? "");
  const parsed: EntraErrorBody = {
    error: error ?? "unknown_error",
    errorDescription: description ?? "",
    errorCodes: codes,
  };
  const traceId = stringField(record, "trace_id") ?? descriptionField(description, "Trace ID");
  const correlationId =
    stringField(record, "correlation_id") ?? descriptionField(description, "Correlation ID");
  const timestamp = stringField(record, "timestamp") ?? descriptionField(description, "Timestamp");
  const suberror = stringField(record, "suberror");
  const claims = stringField(record, "claims");
  const errorUri = stringField(record, "error_uri");
  if (traceId) parsed.traceId = traceId;
  if (correlationId) parsed.correlationId = correlationId;
  if (timestamp) parsed.timestamp = timestamp;
  if (suberror) parsed.suberror = suberror;
  if (claims) parsed.claims = claims;
  if (errorUri) parsed.errorUri = errorUri;
  return parsed;
}

/**
 * The description without its `AADSTSnnnn: ` prefix and without the trailing Trace ID / Correlation ID /
 * Timestamp lines (separated by CRLF or a space), as the reference shows it.
 */
export function describeEntraError(description: string): string {
  const withoutPrefix = description.replace(/^AADSTS\d+:\s*/, "");
  const cut = withoutPrefix.split(/\s*(?:Trace ID:|Correlation ID:|Timestamp:)/)[0] ?? "";
  return cut.replace(/\s+/g, " ").trim();
}

/**
 * The reference's body text: `<error>. <description>` for OAuth errors; `<code>: <message>` for Graph/ARM
 * style objects; otherwise the trimmed raw text (never the literal `None: None`).
 */
export function entraErrorSummary(bodyText: string): string {
  const entra = parseEntraError(bodyText);
  if (entra) {
    const description = describeEntraError(entra.errorDescription);
    return description ? `${entra.error}. ${description}` : entra.error;
  }
  const record = asRecord(parseJson(bodyText));
  const nested = record ? asRecord(record.error) : undefined;
  if (nested) {
    const code = typeof nested.code === "string" ? nested.code : "";
    const message = typeof nested.message === "string" ? nested.message : "";
    const joined = [code, message].filter(Boolean).join(": ");
    if (joined) return joined;
  }
  return oneLine(bodyText, 300);
}

/** Collapses whitespace and caps the length so a hostile or huge body cannot flood a message. */
export function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function codesFromDescription(description: string): number[] {
  const match = /^AADSTS(\d+):/.exec(description);
  return match ? [Number(match[1])] : [];
}

function descriptionField(description: string | undefined, label: string): string | undefined {
  if (!description) return undefined;
  const match = new RegExp(
    `${label}:\\s*([^\\r\\n]+?)(?:\\s+(?:Trace ID|Correlation ID|Timestamp):|\\r|\\n|$)`,
  ).exec(description);
  return match?.[1]?.trim() || undefined;
}

function stringField(record: Record<string, unknown>, name: string): string | undefined {
  const value = record[name];
  return typeof value === "string" && value !== "" ? value : undefined;
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
