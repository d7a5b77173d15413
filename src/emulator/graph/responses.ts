/**
 * Graph's response envelope: JSON with OData minimal metadata, `request-id` and `client-request-id` on
 * every answer (the client's id echoed, or the request id when it sent none), and errors in the shape
 * `{"error": {"code", "message", "innerError": {"date", "request-id", "client-request-id"}}}`.
 */
import type { RequestContext } from "../contracts.ts";
import type { GraphError } from "./graph-error.ts";

const JSON_TYPE =
  "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8";

export function clientRequestId(ctx: RequestContext): string {
  const sent = ctx.req.headers["client-request-id"];
  return typeof sent === "string" && sent.length > 0 ? sent : ctx.requestId;
}

function baseHeaders(ctx: RequestContext): Record<string, string> {
  return {
    "request-id": ctx.requestId,
    "client-request-id": clientRequestId(ctx),
    "cache-control": "no-cache",
    "strict-transport-security": "max-age=31536000",
  };
}

export function sendGraphJson(
  ctx: RequestContext,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const payload = Buffer.from(JSON.stringify(body));
  ctx.res.writeHead(status, {
    ...baseHeaders(ctx),
    "content-type": JSON_TYPE,
    "content-length": String(payload.length),
    ...headers,
  });
  ctx.res.end(payload);
}

export function sendNoContent(ctx: RequestContext): void {
  ctx.res.writeHead(204, baseHeaders(ctx));
  ctx.res.end();
}

/** innerError.date as Graph writes it: UTC, seconds precision, no zone suffix. */
export function graphErrorDate(now: number): string {
  return new Date(now).toISOString().slice(0, 19);
}

export function sendGraphError(ctx: RequestContext, error: GraphError, now: number): void {
  sendGraphJson(
    ctx,
    error.status,
    {
      error: {
        code: error.code,
        message: error.message,
        innerError: {
          date: graphErrorDate(now),
          "request-id": ctx.requestId,
          "client-request-id": clientRequestId(ctx),
        },
      },
    },
    error.headers,
  );
}
