/**
 * Graph / ARM / Defender error bodies (`{"error":{"code","message","innerError":{"request-id"}}}`), the
 * OAuth shape (`{"error":"...","error_description":"..."}`) and anything else, parsed into code, message
 * and request id, and turned into the typed error for a status. Pure apart from building the error.
 */
import { describeEntraError, oneLine } from "../protocol/entra-error.ts";
import { HttpStatusError, hostOf, ThrottledError } from "./errors.ts";
import { parseRetryAfter } from "./retry.ts";

export interface ServiceErrorInfo {
  code: string | undefined;
  message: string;
  requestId: string | undefined;
}

/** Where services put the request id, in order of preference (lower-case header names). */
const REQUEST_ID_HEADERS = [
  "request-id",
  "x-ms-request-id",
  "x-ms-correlation-request-id",
  "client-request-id",
];

export function parseServiceError(
  bodyText: string,
  headers: Readonly<Record<string, string>> = {},
): ServiceErrorInfo {
  const body = parseJson(bodyText);
  const record = asRecord(body);
  let code: string | undefined;
  let message = "";
  let bodyRequestId: string | undefined;
  const nested = record ? asRecord(record.error) : undefined;
  if (nested) {
    code = nonEmpty(nested.code);
    message = nonEmpty(nested.message) ?? "";
    const inner = asRecord(nested.innerError) ?? asRecord(nested.innererror);
    bodyRequestId = inner ? (nonEmpty(inner["request-id"]) ?? nonEmpty(inner.requestId)) : undefined;
  } else if (record && typeof record.error === "string") {
    code = record.error;
    message = describeEntraError(nonEmpty(record.error_description) ?? "");
  } else if (record) {
    // Some APIs (Defender for Cloud Apps, older endpoints) answer {"code","message"} or {"title","detail"}.
    code = nonEmpty(record.code) ?? nonEmpty(record.title);
    message = nonEmpty(record.message) ?? nonEmpty(record.detail) ?? "";
  } else {
    message = oneLine(bodyText, 300);
  }
  const headerRequestId = REQUEST_ID_HEADERS.map((name) => headers[name]).find((value) => value);
  return { code, message: oneLine(message, 500), requestId: headerRequestId ?? bodyRequestId };
}

/**
 * The error to throw for a non-2xx API answer: ThrottledError for 429/503 that outlasted the retries,
 * HttpStatusError (with the status's error code and hint) for the rest.
 */
export function errorForResponse(
  response: {
    status: number;
    headers: Readonly<Record<string, string>>;
    text: string;
    url: string;
    attempts?: number;
  },
  now: number = Date.now(),
): HttpStatusError | ThrottledError {
  if (response.status === 429) {
    return new ThrottledError(
      hostOf(response.url),
      response.status,
      parseRetryAfter(response.headers, now),
      response.attempts ?? 1,
    );
  }
  return new HttpStatusError(
    response.status,
    response.url,
    parseServiceError(response.text, response.headers),
  );
}

function nonEmpty(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function parseJson(text: string): unknown {
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
