/**
 * The small client integration commands are written against. The wiring layer builds one from a
 * credential (auth/) and the transport (http/); tests build one over fetch against the emulator. Either
 * way commands never see tokens, hosts or retries: only paths, JSON and typed errors. A non-2xx answer
 * rejects with the transport's HttpStatusError (status, service code and message) or, for throttling that
 * outlasted the retries, its ThrottledError.
 */
import { HttpStatusError } from "../http/errors.ts";

/** Query parameters in the order they are sent; empty values are dropped by `odataQuery`. */
export type Query = ReadonlyArray<readonly [name: string, value: string]>;

export interface ApiClient {
  /**
   * GET a path under the resource's base (`/identityProtection/riskyUsers`), or an absolute URL
   * (an `@odata.nextLink`) sent exactly as given. Resolves to the parsed JSON body. An absolute URL on
   * another origin than the resource's must be refused: the bearer token goes only to the resource.
   */
  get(pathOrUrl: string, query?: Query): Promise<unknown>;
  /** POST a JSON body. Resolves to the parsed body, or undefined for 204 No Content. */
  post(path: string, body: unknown): Promise<unknown>;
}

/** The API answered with this status (any status when `status` is omitted). */
export function isHttpStatus(error: unknown, status?: number): error is HttpStatusError {
  return error instanceof HttpStatusError && (status === undefined || error.status === status);
}
