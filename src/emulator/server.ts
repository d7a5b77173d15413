/**
 * Starts the emulator: one HTTP(S) server (plus a plain-HTTP loopback listener when TLS is on, because
 * managed identity endpoints are plain HTTP in Azure) dispatching every request through the core
 * pipeline: read body → request id → fault injection and latency → request log → modules in order.
 * `/_emulator/...` is the admin API, served to loopback clients only.
 */
import { randomUUID } from "node:crypto";
import { rm } from "node:fs/promises";
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { EntrakitError } from "../errors.ts";
import { EmulatorAdmin, handleCoreAdmin } from "./admin.ts";
import { SettableClock } from "./clock.ts";
import {
  applyDirectoryDocument,
  type EmulatorConfig,
  instantToMs,
  loadConfigFile,
  parseConfig,
} from "./config.ts";
import type { EmulatorCore, EmulatorModule, EmulatorModuleFactory, RequestContext } from "./contracts.ts";
import { MemoryDirectory, seedDevelopmentDirectory } from "./directory.ts";
import { FaultInjector } from "./faults.ts";
import { isLoopbackAddress, sendJson } from "./http-util.ts";
import { defaultModules } from "./modules.ts";
import { loggableFields, RequestLog } from "./request-log.ts";
import { loadTls } from "./tls.ts";
import { EmulatorTokenService, loadSigningKey } from "./tokens.ts";

export interface StartEmulatorOptions {
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  tls?: boolean;
  /** Port of the plain-HTTP loopback listener opened when TLS is on (default: a free port). */
  httpPort?: number;
  /** Keeps the signing key and the TLS CA across restarts. */
  stateDir?: string;
  /** A config object or the path of a JSON/YAML config file. */
  config?: Record<string, unknown> | string;
  /** Binding a non-loopback address exposes fake credentials to the network; it must be asked for. */
  allowNonLoopback?: boolean;
  modules?: EmulatorModuleFactory[];
}

export interface RunningEmulator {
  /** Base URL (HTTPS when TLS is on), no trailing slash. */
  url: string;
  /** Plain-HTTP base URL: the same server without TLS, or the loopback listener when TLS is on. */
  httpUrl: string;
  caCert?: string;
  caCertPath?: string;
  admin: EmulatorAdmin;
  core: EmulatorCore & { directory: MemoryDirectory; tokens: EmulatorTokenService; clock: SettableClock };
  config: EmulatorConfig;
  close(): Promise<void>;
}

/** Request bodies above this are refused; token requests are a few kilobytes. */
const MAX_BODY_BYTES = 1024 * 1024;

export async function startEmulator(options: StartEmulatorOptions = {}): Promise<RunningEmulator> {
  const host = options.host ?? "127.0.0.1";
  if (!isLoopbackHost(host) && !options.allowNonLoopback) {
    throw new EntrakitError(
      "usage",
      `Refusing to bind the emulator to ${host}: it serves well-known fake credentials.`,
      {
        hint: "Use a loopback host (127.0.0.1, ::1, localhost) or pass --allow-non-loopback if you really mean it.",
      },
    );
  }
  const config =
    typeof options.config === "string"
      ? await loadConfigFile(options.config)
      : parseConfig(options.config ?? {});

  const clock = new SettableClock();
  if (config.clock) clock.set(instantToMs(config.clock.now), { frozen: config.clock.frozen });
  const directory = new MemoryDirectory();
  if (config.seedDefaults) seedDevelopmentDirectory(directory, clock.now());
  applyDirectoryDocument(directory, config, clock.now());
  const faults = new FaultInjector();
  for (const spec of config.faults) faults.add(spec);
  const requestLog = new RequestLog(config.requestLogCapacity);

  let baseUrl = "";
  const tokens = new EmulatorTokenService(await loadSigningKey(options.stateDir), clock, () => baseUrl);
  const core = { clock, directory, tokens, baseUrl: () => baseUrl, stateDir: options.stateDir };
  const modules: EmulatorModule[] = [];
  const admin = new EmulatorAdmin({ clock, directory, faults, requestLog, config, modules: () => modules });
  for (const factory of options.modules ?? defaultModules) modules.push(factory(core, config));

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    dispatch(req, res).catch((error: unknown) => {
      if (!res.headersSent) {
        sendJson(res, 500, {
          error: "server_error",
          error_description: `Emulator failure: ${(error as Error).message}`,
        });
      } else {
        res.destroy();
      }
    });
  };

  async function dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    res.setHeader("x-ms-request-id", requestId);
    const correlation = req.headers["client-request-id"];
    if (typeof correlation === "string") res.setHeader("client-request-id", correlation);
    const body = await readBody(req);
    const url = new URL(req.url ?? "/", "http://emulator.invalid");
    const ctx: RequestContext = {
      req,
      res,
      url,
      body,
      requestId,
      remoteAddress: req.socket.remoteAddress ?? "",
    };
    const method = req.method ?? "GET";
    if (body === TOO_LARGE) {
      sendJson(res, 413, {
        error: "invalid_request",
        error_description: "Request body too large for the emulator.",
      });
      return;
    }

    if (url.pathname.startsWith("/_emulator/")) {
      if (!isLoopbackAddress(ctx.remoteAddress)) {
        sendJson(res, 403, {
          error: "forbidden",
          error_description: "The emulator admin API answers loopback clients only.",
        });
        return;
      }
      const subpath = url.pathname.slice("/_emulator/".length).replace(/\/$/, "");
      if (await handleCoreAdmin(admin, ctx, subpath)) return;
      const [name, ...rest] = subpath.split("/");
      const module = modules.find((m) => m.name === name);
      if (module?.handleAdmin && (await module.handleAdmin(ctx, rest.join("/")))) return;
      sendJson(res, 404, {
        error: "not_found",
        error_description: `No admin route ${method} ${url.pathname}.`,
      });
      return;
    }

    const entry = {
      requestId,
      time: clock.now(),
      method,
      path: url.pathname,
      status: 0,
      handledBy: "none",
      ...loggableFields(url, req.headers["content-type"], body),
    };
    res.once("finish", () => requestLog.add({ ...entry, status: res.statusCode }));

    const fault = faults.take(method, url.pathname);
    if (fault) {
      if (fault.latencyMs > 0) await sleep(fault.latencyMs);
      if (fault.response) {
        Object.assign(entry, { handledBy: "fault", faultRuleId: fault.ruleId });
        res.writeHead(fault.response.status, {
          ...fault.response.headers,
          "content-length": fault.response.body.length,
        });
        res.end(fault.response.body);
        return;
      }
      Object.assign(entry, { faultRuleId: fault.ruleId });
    }
    for (const module of modules) {
      if (await module.handle(ctx)) {
        entry.handledBy = module.name;
        return;
      }
    }
    sendJson(res, 404, {
      error: "not_found",
      error_description: `The emulator has no endpoint at ${method} ${url.pathname}.`,
    });
  }

  const servers: Server[] = [];
  let url: string;
  let httpUrl: string;
  let caCert: string | undefined;
  let caCertPath: string | undefined;
  let temporaryDir: string | undefined;
  if (options.tls) {
    const tls = await loadTls(options.stateDir, Date.now());
    if (tls.temporary) temporaryDir = tls.dir;
    caCert = tls.caCertPem;
    caCertPath = tls.caCertPath;
    const secure = createHttpsServer(
      { key: tls.serverKeyPem, cert: tls.serverCertPem, keepAlive: true },
      handler,
    );
    url = `https://${urlHost(host)}:${await listen(secure, host, options.port ?? 0)}`;
    const plain = createHttpServer({ keepAlive: true }, handler);
    httpUrl = `http://127.0.0.1:${await listen(plain, "127.0.0.1", options.httpPort ?? 0)}`;
    servers.push(secure, plain);
  } else {
    const plain = createHttpServer({ keepAlive: true }, handler);
    url = `http://${urlHost(host)}:${await listen(plain, host, options.port ?? 0)}`;
    httpUrl = url;
    servers.push(plain);
  }
  for (const server of servers) server.keepAliveTimeout = 65_000;
  baseUrl = url;

  let closed = false;
  return {
    url,
    httpUrl,
    caCert,
    caCertPath,
    admin,
    core,
    config,
    async close() {
      if (closed) return;
      closed = true;
      for (const module of modules) await module.close?.();
      await tokens.close();
      await Promise.all(
        servers.map(
          (server) =>
            new Promise<void>((resolve) => {
              server.close(() => resolve());
              server.closeAllConnections();
            }),
        ),
      );
      if (temporaryDir) await rm(temporaryDir, { recursive: true, force: true });
    },
  };
}

const TOO_LARGE = Buffer.alloc(0);

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return TOO_LARGE;
    chunks.push(chunk as Buffer);
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
}

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) => {
      reject(
        new EntrakitError(
          "usage",
          `The emulator cannot listen on ${host}:${port} (${error.code ?? error.message}).`,
          {
            hint: "Pick another --port (0 chooses a free one) or stop whatever uses it.",
          },
        ),
      );
    });
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });
}

export function isLoopbackHost(host: string): boolean {
  return host === "localhost" || isLoopbackAddress(host);
}

/** The host part of the printed URL: wildcard binds are reached through localhost. */
function urlHost(host: string): string {
  if (host === "0.0.0.0" || host === "::") return "localhost";
  return host.includes(":") ? `[${host}]` : host;
}
