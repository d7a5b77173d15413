/**
 * A Graph error answer as a value: the pure parts of the module (OData parsing, paging, actions) throw
 * it and the HTTP layer renders it in Graph's error shape, so protocol code never touches a response.
 */
export class GraphError extends Error {
  readonly status: number;
  readonly code: string;
  readonly headers: Record<string, string>;

  constructor(status: number, code: string, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.name = "GraphError";
    this.status = status;
    this.code = code;
    this.headers = headers;
  }
}

export function badRequest(message: string): GraphError {
  return new GraphError(400, "BadRequest", message);
}
