/**
 * Per-client undici dispatchers: keep-alive connection pools that carry this client's TLS trust, proxy
 * choice and timeouts, and nothing process-wide. One direct Agent plus one ProxyAgent per proxy URL,
 * created lazily; `dispatcherFor(url)` picks one per request.
 */
import { readFileSync } from "node:fs";
import { rootCertificates } from "node:tls";
import { Agent, type Dispatcher, ProxyAgent } from "undici";
import { EntrakitError } from "../errors.ts";
import { type Logger, redactUrl, silentLogger } from "../log.ts";
import { type ProxySettings, proxyFor, proxySettingsFromEnv } from "./proxy.ts";

export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;
const KEEP_ALIVE_TIMEOUT_MS = 30_000;

export interface TransportOptions {
  /** "Use system proxy": route through HTTPS_PROXY / HTTP_PROXY / ALL_PROXY except NO_PROXY. Default off. */
  useSystemProxy?: boolean;
  /** An explicit proxy for every request (NO_PROXY and the always-direct hosts still apply). */
  proxyUrl?: string;
  /** Where the proxy variables are read from. Default `process.env` (read only). */
  env?: Readonly<Record<string, string | undefined>>;
  /** "Trust any certificate": turns TLS verification off for this client only, with a warning. */
  trustAnyCertificate?: boolean;
  /** Extra trusted CA certificates (PEM text), added to Node's public roots. */
  caCertificates?: readonly string[];
  /** Files holding extra trusted CA certificates (PEM; several per file allowed). */
  caFiles?: readonly string[];
  /** TCP + TLS handshake budget per connection. Default 10 s. */
  connectTimeoutMs?: number;
  /** Budget for response headers and between body chunks, and for the whole request. Default 60 s. */
  requestTimeoutMs?: number;
  /** Receives the insecure-TLS warning and connection notes (redacted). */
  logger?: Logger;
  /** Also receives the insecure-TLS warning (e.g. to print it on the CLI). */
  onWarning?: (message: string) => void;
}

export interface Route {
  dispatcher: Dispatcher;
  /** The proxy used, with credentials redacted; undefined for a direct connection. */
  proxy: string | undefined;
}

export interface Transport {
  /** The dispatcher for a URL. `direct` forces a direct connection (managed identity endpoints). */
  dispatcherFor(url: string | URL, direct?: boolean): Route;
  readonly connectTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly insecure: boolean;
  close(): Promise<void>;
}

export const INSECURE_TLS_WARNING =
  "TLS certificate verification is OFF for this client ('Trust any certificate'): any server, including an " +
  "impostor, will be accepted. Use it only for testing; prefer adding the server's CA certificate.";

export function createTransport(options: TransportOptions = {}): Transport {
  const connectTimeoutMs = positive(options.connectTimeoutMs, DEFAULT_CONNECT_TIMEOUT_MS, "connectTimeoutMs");
  const requestTimeoutMs = positive(options.requestTimeoutMs, DEFAULT_REQUEST_TIMEOUT_MS, "requestTimeoutMs");
  const insecure = options.trustAnyCertificate === true;
  const logger = options.logger ?? silentLogger;
  if (insecure) {
    logger.warn(INSECURE_TLS_WARNING);
    options.onWarning?.(INSECURE_TLS_WARNING);
  }
  const extraCa = [...(options.caCertificates ?? []), ...(options.caFiles ?? []).map(readCaFile)];
  // `ca` replaces Node's roots, so the public roots are added back: extra CAs extend trust, never narrow it.
  const tls = {
    rejectUnauthorized: !insecure,
    ...(extraCa.length > 0 ? { ca: [...rootCertificates, ...extraCa] } : {}),
  };
  const proxies = proxySettings(options);
  const timeouts = {
    headersTimeout: requestTimeoutMs,
    bodyTimeout: requestTimeoutMs,
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
  };

  let direct: Agent | undefined;
  const viaProxy = new Map<string, ProxyAgent>();
  const directAgent = () => {
    direct ??= new Agent({ ...timeouts, connect: { ...tls, timeout: connectTimeoutMs } });
    return direct;
  };
  const proxyAgent = (uri: string) => {
    let agent = viaProxy.get(uri);
    if (!agent) {
      agent = new ProxyAgent({
        uri,
        ...timeouts,
        requestTls: { ...tls, timeout: connectTimeoutMs },
        proxyTls: { ...tls, timeout: connectTimeoutMs },
      });
      viaProxy.set(uri, agent);
      logger.debug("using proxy", { proxy: redactUrl(uri) });
    }
    return agent;
  };

  return {
    connectTimeoutMs,
    requestTimeoutMs,
    insecure,
    dispatcherFor(url, forceDirect = false) {
      const proxy = forceDirect || !proxies ? undefined : proxyFor(url, proxies);
      return proxy
        ? { dispatcher: proxyAgent(proxy), proxy: redactUrl(proxy) }
        : { dispatcher: directAgent(), proxy: undefined };
    },
    async close() {
      const agents: Dispatcher[] = [...viaProxy.values()];
      if (direct) agents.push(direct);
      viaProxy.clear();
      direct = undefined;
      await Promise.all(agents.map((agent) => agent.close()));
    },
  };
}

function proxySettings(options: TransportOptions): ProxySettings | undefined {
  const env = options.env ?? process.env;
  if (options.proxyUrl) {
    const fromEnv = proxySettingsFromEnv(env);
    let url: URL;
    try {
      url = new URL(options.proxyUrl);
    } catch {
      throw new EntrakitError("configuration", "The proxy URL is not a valid URL.", {
        hint: "Give it as http://host:port (credentials, if any, as http://user:password@host:port).",
      });
    }
    return { httpProxy: url.href, httpsProxy: url.href, noProxy: fromEnv.noProxy };
  }
  return options.useSystemProxy ? proxySettingsFromEnv(env) : undefined;
}

function readCaFile(path: string): string {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new EntrakitError("configuration", `Cannot read the CA certificate file ${path}.`, {
      hint: "Check the path and its permissions; the file must hold PEM certificates.",
      cause: error,
    });
  }
  if (!text.includes("-----BEGIN CERTIFICATE-----")) {
    throw new EntrakitError("configuration", `The CA certificate file ${path} holds no PEM certificate.`, {
      hint: "Give a PEM file (-----BEGIN CERTIFICATE-----); convert DER files with `openssl x509 -inform der`.",
    });
  }
  return text;
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) {
    throw new EntrakitError("configuration", `${name} must be a positive number of milliseconds.`, {
      hint: `Remove ${name} to use the default, or give a value such as ${fallback}.`,
    });
  }
  return value;
}
