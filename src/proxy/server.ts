/**
 * The proxy's HTTP(S) server: routing, body limits, method and content-type checks, security headers,
 * per-address rate limiting, and the guarantee that no input yields a 500 (an internal failure, such as
 * an unreachable store, is a 503 the client backs off from). `startProxy` runs it in-process (tests, the
 * CLI); the config may be an object, a parsed config or a file path.
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { authorityHost } from "../clouds/index.ts";
import { EntrakitError, isEntrakitError } from "../errors.ts";
import { createHttpClient, type HttpClient } from "../http/index.ts";
import { openStore } from "../store/index.ts";
import type { Store } from "../store/types.ts";
import { type AuditLog, openAuditLog } from "./audit.ts";
import { loadProxyConfig, type ProxyConfig, parseProxyConfig } from "./config.ts";
import { BROWSER_COOKIE, finishConsent, startConsent } from "./consent.ts";
import { EntraClient } from "./entra.ts";
import { obtainToken, type ProxyReply } from "./obtain-token.ts";
import { consentPage, errorPage, indexPage, type Page } from "./pages.ts";
import { RateLimiter } from "./rate-limit.ts";
import { Registrations } from "./registrations.ts";

export const MAX_BODY_BYTES = 64 * 1024;

export interface StartProxyOptions {
  /** A parsed config, a config object (as in the YAML file) or the path of the file. */
  config: ProxyConfig | Record<string, unknown> | string;
  /** Overrides `listen` (tests use port 0). */
  host?: string;
  port?: number;
  /** An open store to use (and not close); default: the config's store URL. */
  store?: Store;
  /** Default: the config's `audit_log`. */
  audit?: AuditLog;
  /** Transport to the identity platform; default: the project's client with the config's CA files. */
  http?: HttpClient;
  now?: () => number;
  env?: Readonly<Record<string, string | undefined>>;
}

export interface RunningProxy {
  /** Where it listens (not necessarily the public URL), no trailing slash. */
  url: string;
  config: ProxyConfig;
  store: Store;
  registrations: Registrations;
  close(): Promise<void>;
}

export async function startProxy(options: StartProxyOptions): Promise<RunningProxy> {
  const env = options.env ?? process.env;
  const config =
    typeof options.config === "string"
      ? await loadProxyConfig(options.config, env)
      : "apps" in options.config && options.config.apps instanceof Map
        ? (options.config as ProxyConfig)
        : parseProxyConfig(options.config, { env });
  const now = options.now ?? Date.now;
  const store = options.store ?? (await openStore({ ...(config.store ? { url: config.store } : {}), env }));
  const audit = options.audit ?? openAuditLog(config.auditLog, now);
  const http = options.http ?? createHttpClient({ caFiles: config.trustedCaFiles, retry: false });
  const registrations = new Registrations(store, now);
  const entra = new EntraClient(http, config.apps.values(), now);
  const perAddress = new RateLimiter(config.rateLimits.perAddress, now);
  const perRegistration = new RateLimiter(config.rateLimits.perRegistration, now);
  const deps = { config, store, registrations, entra, audit, perRegistration, now };

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    route(req, res).catch((error: unknown) => {
      // Only an internal failure (store down, a bug) gets here: never a 500, never its message to the
      // client. The operator gets one line; only our own errors' messages, which never carry secrets.
      process.stderr.write(
        `entrakit proxy: request failed: ${isEntrakitError(error) ? error.toLine() : ((error as Error)?.name ?? "error")}\n`,
      );
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if ((req.url ?? "").startsWith("/obtain-token")) {
        sendJson(
          res,
          503,
          {
            title: "temporarily_unavailable",
            detail: "The proxy could not complete the request; retry shortly.",
          },
          { "retry-after": "5" },
        );
      } else {
        sendPage(
          res,
          errorPage(
            503,
            "Temporarily unavailable",
            "The service could not complete the request. Try again in a minute.",
            nonce(),
          ),
        );
      }
    });
  };

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://proxy.invalid");
    const method = req.method ?? "GET";
    const address = clientAddress(req, config.trustForwardedHeaders);
    const path = url.pathname.replace(/\/+$/, "") || "/";

    if (path === "/obtain-token") {
      if (method !== "POST") {
        req.resume();
        return sendJson(res, 405, { title: "method_not_allowed", detail: "Use POST." }, { allow: "POST" });
      }
      const type = (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
      if (type !== "application/json") {
        req.resume();
        return sendJson(res, 415, {
          title: "unsupported_media_type",
          detail: "Send the request as application/json.",
        });
      }
      const wait = perAddress.take(address);
      if (wait > 0) {
        req.resume();
        audit.write({
          event: "refusal",
          outcome: "refused",
          status: 429,
          reason: "rate_limited_address",
          address,
        });
        return sendJson(
          res,
          429,
          { title: "rate_limited", detail: `Too many requests from this address; retry in ${wait} s.` },
          { "retry-after": String(wait) },
        );
      }
      const body = await readBody(req);
      if (body === undefined) {
        return sendJson(
          res,
          413,
          { title: "payload_too_large", detail: `The body must be at most ${MAX_BODY_BYTES} bytes.` },
          { connection: "close" },
        );
      }
      const reply: ProxyReply = await obtainToken(deps, body, { address, client: clientInfo(req) });
      return sendJson(res, reply.status, reply.body, reply.headers);
    }

    if (path === "/healthz") {
      req.resume();
      if (method !== "GET" && method !== "HEAD")
        return sendJson(
          res,
          405,
          { title: "method_not_allowed", detail: "Use GET." },
          { allow: "GET, HEAD" },
        );
      await store.get("entrakit-proxy", "healthz");
      return sendJson(res, 200, { status: "ok", apps: config.apps.size });
    }

    const consent = /^\/consent\/([^/]+)(\/start)?$/.exec(path);
    if (consent) {
      req.resume();
      const app = config.apps.get(safeDecode(consent[1]!));
      if (!app) {
        return sendPage(
          res,
          errorPage(
            404,
            "Unknown app",
            "There is no app by that name on this service. Check the link you were given.",
            nonce(),
          ),
        );
      }
      if (!consent[2]) {
        if (method !== "GET" && method !== "HEAD")
          return sendText(res, 405, "Use GET.", { allow: "GET, HEAD" });
        // The Start form redirects to the login host, which form-action also governs.
        return sendPage(res, consentPage(app, nonce()), ` ${new URL(authorityHost(app.cloud)).origin}`);
      }
      if (method !== "POST")
        return sendText(res, 405, "Use the Start Authorization Process button.", { allow: "POST" });
      if (perAddress.take(address) > 0) {
        return sendPage(res, errorPage(429, "Too many attempts", "Wait a minute and start again.", nonce()));
      }
      const started = await startConsent(deps, app, cookie(req, BROWSER_COOKIE));
      const headers: Record<string, string> = { location: started.redirect };
      if (started.setCookie) headers["set-cookie"] = started.setCookie;
      res.writeHead(303, { ...SECURITY_HEADERS, ...headers });
      res.end();
      return;
    }

    if (path === "/callback") {
      req.resume();
      if (method !== "GET") return sendText(res, 405, "Use GET.", { allow: "GET" });
      const result = await finishConsent(
        deps,
        url.searchParams,
        cookie(req, BROWSER_COOKIE),
        nonce(),
        address,
      );
      if ("page" in result) return sendPage(res, result.page);
      res.writeHead(303, { ...SECURITY_HEADERS, location: result.redirect });
      res.end();
      return;
    }

    if (path === "/") {
      req.resume();
      return sendPage(res, indexPage([...config.apps.values()], nonce()));
    }
    req.resume();
    return sendJson(res, 404, { title: "not_found", detail: `Nothing at ${method} ${path.slice(0, 100)}.` });
  }

  const server: Server = config.tls
    ? createHttpsServer(
        { cert: readTlsFile(config.tls.certFile), key: readTlsFile(config.tls.keyFile), keepAlive: true },
        handler,
      )
    : createHttpServer({ keepAlive: true }, handler);
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 20_000;
  server.requestTimeout = 30_000;
  const host = options.host ?? config.listen.host;
  const port = await listen(server, host, options.port ?? config.listen.port);
  const scheme = config.tls ? "https" : "http";
  const shownHost =
    host === "0.0.0.0" || host === "::" ? "localhost" : host.includes(":") ? `[${host}]` : host;

  let closed = false;
  return {
    url: `${scheme}://${shownHost}:${port}`,
    config,
    store,
    registrations,
    async close() {
      if (closed) return;
      closed = true;
      // Requests in flight get a few seconds to finish (a rolling restart should not cut token requests).
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => server.closeAllConnections(), 5_000);
        force.unref();
        server.close(() => {
          clearTimeout(force);
          resolve();
        });
        server.closeIdleConnections();
      });
      if (!options.http) await http.close();
      if (!options.audit) await audit.close();
      if (!options.store) await store.close();
    },
  };
}

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "cache-control": "no-store",
  pragma: "no-cache",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
};

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    ...headers,
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
}

function sendText(
  res: ServerResponse,
  status: number,
  text: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { ...SECURITY_HEADERS, ...headers, "content-type": "text/plain; charset=utf-8" });
  res.end(text);
}

function sendPage(res: ServerResponse, page: Page, formTargets = ""): void {
  res.writeHead(page.status, {
    ...SECURITY_HEADERS,
    "content-type": "text/html; charset=utf-8",
    "content-length": Buffer.byteLength(page.html),
    // Nothing loads from anywhere: inline style and script only under this response's nonce.
    "content-security-policy": `default-src 'none'; style-src 'nonce-${page.nonce}'; script-src 'nonce-${page.nonce}'; form-action 'self'${formTargets}; base-uri 'none'; frame-ancestors 'none'`,
  });
  res.end(page.html);
}

function nonce(): string {
  return randomBytes(16).toString("base64");
}

/**
 * Reads at most MAX_BODY_BYTES; undefined when the body is larger. The rest of an oversized body is
 * discarded unread while the 413 goes out (with `connection: close`), instead of resetting the socket.
 */
function readBody(req: IncomingMessage): Promise<string | undefined> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > MAX_BODY_BYTES) {
    req.resume();
    return Promise.resolve(undefined);
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        req.off("data", onData);
        req.resume();
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    };
    req.on("data", onData);
    req.once("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.once("error", reject);
  });
}

/** The peer, or with trusted forwarded headers the address our own reverse proxy appended last. */
function clientAddress(req: IncomingMessage, trustForwarded: boolean): string {
  const peer = req.socket.remoteAddress ?? "";
  if (!trustForwarded) return peer;
  const forwarded = req.headers["x-forwarded-for"];
  const list = (Array.isArray(forwarded) ? forwarded.join(",") : (forwarded ?? "")).split(",");
  const last = list
    .map((s) => s.trim())
    .filter(Boolean)
    .at(-1);
  return last && /^[0-9a-fA-F:.]{2,45}$/.test(last) ? last : peer;
}

/** `X-Content-Name X-Content-Version`, cleaned: audit information only, never required. */
function clientInfo(req: IncomingMessage): string | undefined {
  const parts = [req.headers["x-content-name"], req.headers["x-content-version"]]
    .map((v) => (typeof v === "string" ? v.replace(/[^\w .:/@+-]/g, "").slice(0, 80) : ""))
    .filter(Boolean);
  return parts.length ? parts.join(" ") : undefined;
}

function cookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const [key, ...value] = part.trim().split("=");
    if (key === name) return value.join("=");
  }
  return undefined;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return "";
  }
}

function readTlsFile(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new EntrakitError(
      "configuration",
      `Cannot read the TLS file ${path} (${(error as NodeJS.ErrnoException).code ?? "unreadable"}).`,
      { hint: "Point tls.cert_file and tls.key_file at readable PEM files." },
    );
  }
}

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) => {
      reject(
        new EntrakitError(
          "usage",
          `The proxy cannot listen on ${host}:${port} (${error.code ?? error.message}).`,
          {
            hint: "Pick another listen.port (0 chooses a free one) or stop whatever uses it.",
          },
        ),
      );
    });
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });
}
