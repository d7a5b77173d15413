/**
 * A small real forward proxy for tests: CONNECT tunnels (HTTPS, and HTTP when the client tunnels) and
 * absolute-URI HTTP requests. It counts what it relayed and can map host names to local addresses, so a
 * test can use a non-loopback-looking name (`api.entrakit.test`) that only the proxy knows how to reach.
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server } from "node:http";
import { connect, type Socket } from "node:net";

export interface ForwardProxy {
  url: string;
  port: number;
  /** `host:port` of every CONNECT tunnel opened. */
  readonly tunnels: string[];
  /** Absolute URIs of plain HTTP requests relayed. */
  readonly requests: string[];
  /** `Proxy-Authorization` header values seen (tests check credentials reach the proxy). */
  readonly proxyAuthorizations: string[];
  /** Total relayed (tunnels + requests). */
  relayed(): number;
  close(): Promise<void>;
}

export interface ForwardProxyOptions {
  /** Where a host name really goes (default: itself). */
  resolve?: (host: string) => string;
  /** Answer every request and tunnel with this status instead of relaying (e.g. 407). */
  refuseWith?: number;
}

export async function startForwardProxy(options: ForwardProxyOptions = {}): Promise<ForwardProxy> {
  const resolve = options.resolve ?? ((host: string) => host);
  const tunnels: string[] = [];
  const requests: string[] = [];
  const proxyAuthorizations: string[] = [];
  const sockets = new Set<Socket>();
  const noteAuth = (req: IncomingMessage) => {
    const value = req.headers["proxy-authorization"];
    if (typeof value === "string") proxyAuthorizations.push(value);
  };

  const server: Server = createServer((req, res) => {
    noteAuth(req);
    if (options.refuseWith) {
      res.writeHead(options.refuseWith, { "content-type": "text/plain" });
      res.end("refused by test proxy");
      return;
    }
    const target = new URL(req.url ?? "/");
    requests.push(target.href);
    const headers = { ...req.headers };
    delete headers["proxy-authorization"];
    delete headers["proxy-connection"];
    const upstream = httpRequest(
      {
        host: resolve(target.hostname),
        port: target.port || 80,
        method: req.method,
        path: `${target.pathname}${target.search}`,
        headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on("error", () => {
      res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  });

  server.on("connect", (req: IncomingMessage, client: Socket, head: Buffer) => {
    noteAuth(req);
    sockets.add(client);
    client.on("close", () => sockets.delete(client));
    client.on("error", () => {});
    if (options.refuseWith) {
      client.end(`HTTP/1.1 ${options.refuseWith} Refused\r\ncontent-length: 0\r\n\r\n`);
      return;
    }
    const [host = "", port = "443"] = (req.url ?? "").split(/:(?=\d+$)/);
    tunnels.push(`${host}:${port}`);
    const upstream = connect(Number(port), resolve(host), () => {
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on("close", () => sockets.delete(upstream));
    upstream.on("error", () => client.destroy());
  });

  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    tunnels,
    requests,
    proxyAuthorizations,
    relayed: () => tunnels.length + requests.length,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}
