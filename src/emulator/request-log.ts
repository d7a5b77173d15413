/**
 * A bounded log of the requests the emulator served, so tests can assert "exactly one token request".
 * It records what identifies a call (method, path, grant type, client id, resource selector) and never a
 * secret, code, assertion or token.
 */

export interface RequestLogEntry {
  requestId: string;
  /** Emulator clock, milliseconds since the epoch. */
  time: number;
  method: string;
  /** Path without the query string (queries can carry codes). */
  path: string;
  status: number;
  /** Name of the module that answered, `admin`, `fault` or `none`. */
  handledBy: string;
  grantType?: string;
  clientId?: string;
  /** Managed identity selectors and v1 resource, when present (identifiers, not secrets). */
  resource?: string;
  scope?: string;
  faultRuleId?: string;
}

/** Form and query fields safe to copy into the log; everything else is dropped. */
const SAFE_FIELDS = {
  grant_type: "grantType",
  client_id: "clientId",
  resource: "resource",
  scope: "scope",
} as const;

export class RequestLog {
  readonly #capacity: number;
  #entries: RequestLogEntry[] = [];

  constructor(capacity = 1000) {
    this.#capacity = capacity;
  }

  add(entry: RequestLogEntry): void {
    this.#entries.push(entry);
    if (this.#entries.length > this.#capacity) this.#entries.splice(0, this.#entries.length - this.#capacity);
  }

  /** Oldest first; optionally only entries whose path matches. */
  list(filter: { path?: RegExp; method?: string } = {}): RequestLogEntry[] {
    return this.#entries.filter(
      (entry) =>
        (!filter.path || filter.path.test(entry.path)) &&
        (!filter.method || entry.method === filter.method.toUpperCase()),
    );
  }

  clear(): void {
    this.#entries = [];
  }
}

/** Picks the loggable identifiers out of a request's query and urlencoded body. */
export function loggableFields(
  url: URL,
  contentType: string | undefined,
  body: Buffer,
): Pick<RequestLogEntry, "grantType" | "clientId" | "resource" | "scope"> {
  const fields: Pick<RequestLogEntry, "grantType" | "clientId" | "resource" | "scope"> = {};
  const sources = [url.searchParams];
  if (body.length > 0 && contentType?.startsWith("application/x-www-form-urlencoded")) {
    sources.push(new URLSearchParams(body.toString("utf8")));
  }
  for (const params of sources) {
    for (const [name, key] of Object.entries(SAFE_FIELDS)) {
      const value = params.get(name);
      if (value) fields[key] = value.slice(0, 500);
    }
  }
  return fields;
}
