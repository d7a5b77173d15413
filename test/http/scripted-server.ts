/**
 * A local HTTP(S) server that answers from a script, one step per request, and records what it received.
 * Steps can also break the connection, so retries on network errors are exercised over real sockets.
 */
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import { createServer as createHttpsServer } from "node:https";

export interface ReceivedRequest {
  method: string;
  /** The raw request target exactly as sent (path and query, undecoded). */
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
}

export type Step =
  | { status: number; headers?: Record<string, string>; body?: string | object }
  | { destroy: true }
  | ((request: ReceivedRequest) => {
      status: number;
      headers?: Record<string, string>;
      body?: string | object;
    });

export interface ScriptedServer {
  origin: string;
  port: number;
  received: ReceivedRequest[];
  close(): Promise<void>;
}

export interface ScriptedServerOptions {
  /** Answer with the last step forever once the script runs out (default true). */
  repeatLast?: boolean;
  tls?: { cert: string; key: string };
  /** Interface to listen on (default 127.0.0.1). */
  host?: string;
}

export async function startScriptedServer(
  steps: Step[],
  options: ScriptedServerOptions = {},
): Promise<ScriptedServer> {
  const received: ReceivedRequest[] = [];
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const request: ReceivedRequest = {
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      };
      received.push(request);
      const index = Math.min(received.length - 1, steps.length - 1);
      const step =
        received.length - 1 < steps.length || options.repeatLast !== false ? steps[index] : undefined;
      if (!step) {
        res.writeHead(500);
        res.end("script exhausted");
        return;
      }
      if (typeof step === "object" && "destroy" in step) {
        req.socket.destroy();
        return;
      }
      const answer = typeof step === "function" ? step(request) : step;
      const body =
        answer.body === undefined
          ? ""
          : typeof answer.body === "string"
            ? answer.body
            : JSON.stringify(answer.body);
      const headers = {
        ...(typeof answer.body === "object" ? { "content-type": "application/json" } : {}),
        ...answer.headers,
      };
      res.writeHead(answer.status, headers);
      res.end(body);
    });
  };
  const server: Server = options.tls ? createHttpsServer(options.tls, handler) : createHttpServer(handler);
  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((done) => server.listen(0, host, done));
  const port = (server.address() as { port: number }).port;
  const scheme = options.tls ? "https" : "http";
  return {
    origin: `${scheme}://${host === "0.0.0.0" ? "127.0.0.1" : host}:${port}`,
    port,
    received,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}
