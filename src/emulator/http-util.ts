/**
 * Small response helpers shared by the emulator's core and modules. Every answer carries
 * `Cache-Control: no-store`, as Entra's token and metadata endpoints do for anything with secrets.
 */
import type { ServerResponse } from "node:http";
import type { RequestContext } from "./contracts.ts";

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const payload = Buffer.from(JSON.stringify(body));
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": payload.length,
    "cache-control": "no-store, no-cache",
    pragma: "no-cache",
    ...headers,
  });
  res.end(payload);
}

export function sendHtml(
  res: ServerResponse,
  status: number,
  html: string,
  headers: Record<string, string> = {},
): void {
  const payload = Buffer.from(html);
  res.writeHead(status, {
    "content-type": "text/html; charset=utf-8",
    "content-length": payload.length,
    "cache-control": "no-store, no-cache",
    "x-frame-options": "DENY",
    "content-security-policy":
      "default-src 'none'; style-src 'unsafe-inline'; form-action *; base-uri 'none'",
    ...headers,
  });
  res.end(payload);
}

export function redirect(res: ServerResponse, location: string): void {
  res.writeHead(302, { location, "content-length": 0, "cache-control": "no-store, no-cache" });
  res.end();
}

/** The urlencoded form body (empty when the body is something else). */
export function formBody(ctx: RequestContext): URLSearchParams {
  const type = ctx.req.headers["content-type"] ?? "";
  if (ctx.body.length === 0 || !type.toLowerCase().startsWith("application/x-www-form-urlencoded")) {
    return new URLSearchParams();
  }
  return new URLSearchParams(ctx.body.toString("utf8"));
}

/** The JSON body, or undefined when there is none; throws SyntaxError on malformed JSON. */
export function jsonBody(ctx: RequestContext): unknown {
  if (ctx.body.length === 0) return undefined;
  return JSON.parse(ctx.body.toString("utf8"));
}

/** 127.0.0.0/8, ::1 and their IPv4-mapped forms. */
export function isLoopbackAddress(address: string): boolean {
  const plain = address.startsWith("::ffff:") ? address.slice(7) : address;
  return plain === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(plain);
}

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
