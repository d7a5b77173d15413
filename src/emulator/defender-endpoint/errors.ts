/**
 * Defender for Endpoint's error answer as a value, and its wire shape:
 * `{"error": {"code", "message", "target"}}`, where `target` is the request's activity id.
 */
import type { RequestContext } from "../contracts.ts";

export class DefenderError extends Error {
  readonly status: number;
  readonly code: string;

  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = "DefenderError";
    this.status = status;
    this.code = code;
  }
}

export function sendDefenderJson(ctx: RequestContext, status: number, body: unknown): void {
  const payload = Buffer.from(JSON.stringify(body));
  ctx.res.writeHead(status, {
    "content-type": "application/json; odata.metadata=minimal; odata.streaming=true; charset=utf-8",
    "content-length": String(payload.length),
    "request-id": ctx.requestId,
  });
  ctx.res.end(payload);
}

export function sendDefenderError(ctx: RequestContext, error: DefenderError): void {
  sendDefenderJson(ctx, error.status, {
    error: { code: error.code, message: error.message, target: ctx.requestId },
  });
}
