/**
 * The small client integration commands are written against. The wiring layer builds one from a
 * credential (auth/) and the transport (http/); tests build one over fetch against the emulator. Either
 * way commands never see tokens, hosts or retries: only paths, JSON and typed errors.
 */
import { EntrakitError, type ErrorCode } from "../errors.ts";

/** Query parameters in the order they are sent; empty values are dropped by `odataQuery`. */
export type Query = ReadonlyArray<readonly [name: string, value: string]>;

export interface ApiClient {
  /**
   * GET a path under the resource's base (`/identityProtection/riskyUsers`), or an absolute URL
   * (an `@odata.nextLink`) sent exactly as given. Resolves to the parsed JSON body.
   */
  get(pathOrUrl: string, query?: Query): Promise<unknown>;
  /** POST a JSON body. Resolves to the parsed body, or undefined for 204 No Content. */
  post(path: string, body: unknown): Promise<unknown>;
}

/** An API's non-2xx answer, with the service's own error code and message kept for classification. */
export class ApiError extends EntrakitError {
  readonly status: number;
  /** `error.code` from the body, e.g. `Forbidden`, `Authorization_RequestDenied`. */
  readonly apiCode: string | undefined;
  /** `error.message` from the body; empty when the service sent none (Graph's last-page 400 bug). */
  readonly apiMessage: string;
  readonly requestId: string | undefined;

  constructor(status: number, apiCode: string | undefined, apiMessage: string, requestId?: string) {
    const what = apiCode ? `${status} ${apiCode}` : `${status}`;
    super(codeForStatus(status), `The API answered ${what}${apiMessage ? `: ${apiMessage}` : "."}`);
    this.name = "ApiError";
    this.status = status;
    this.apiCode = apiCode;
    this.apiMessage = apiMessage;
    this.requestId = requestId;
  }
}

const STATUS_CODES: ReadonlyArray<readonly [test: (status: number) => boolean, code: ErrorCode]> = [
  [(s) => s === 401, "authentication_failed"],
  [(s) => s === 403, "permission_denied"],
  [(s) => s === 404, "not_found"],
  [(s) => s === 409 || s === 412, "conflict"],
  [(s) => s === 429, "throttled"],
  [(s) => s >= 500, "network"],
  [(s) => s >= 400, "usage"],
];

function codeForStatus(status: number): ErrorCode {
  return STATUS_CODES.find(([test]) => test(status))?.[1] ?? "internal";
}

/** Builds an ApiError from a response body in the Graph / ARM shape `{"error":{"code","message"}}`. */
export function apiErrorFromResponse(status: number, bodyText: string, requestId?: string): ApiError {
  let apiCode: string | undefined;
  let apiMessage = "";
  try {
    const body = JSON.parse(bodyText) as { error?: unknown };
    const error = body.error;
    if (typeof error === "object" && error !== null) {
      const { code, message } = error as { code?: unknown; message?: unknown };
      if (typeof code === "string") apiCode = code;
      if (typeof message === "string") apiMessage = message;
    } else if (typeof error === "string") {
      apiCode = error;
    }
  } catch {
    // Not JSON: keep a short, single-line excerpt so the user sees what came back.
    apiMessage = bodyText.replace(/\s+/g, " ").trim().slice(0, 200);
  }
  return new ApiError(status, apiCode, apiMessage, requestId);
}

export function isApiError(value: unknown): value is ApiError {
  return value instanceof ApiError;
}
