/**
 * "Use system proxy", decided per request and pure: which proxy (if any) a URL goes through, from proxy
 * settings read once from an environment object. The process environment is only read, never changed.
 * Loopback and the instance metadata address are always direct: managed identity endpoints break behind
 * a proxy (502/504 gateway errors) and must never leak their headers to one.
 */

export interface ProxySettings {
  httpProxy?: string | undefined;
  httpsProxy?: string | undefined;
  /** NO_PROXY entries: `*`, host names (matching sub-domains), `.suffix`, `*.suffix`, `host:port`, IPs, IPv4 CIDRs. */
  noProxy: readonly string[];
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Reads HTTPS_PROXY / HTTP_PROXY / ALL_PROXY / NO_PROXY (lower-case names first, as curl does). A proxy
 * without a scheme gets `http://`, as the reference does.
 */
export function proxySettingsFromEnv(env: Env): ProxySettings {
  const read = (name: string) => env[name.toLowerCase()] || env[name.toUpperCase()] || undefined;
  const all = read("ALL_PROXY");
  return {
    httpProxy: withScheme(read("HTTP_PROXY") ?? all),
    httpsProxy: withScheme(read("HTTPS_PROXY") ?? all ?? read("HTTP_PROXY")),
    noProxy: (read("NO_PROXY") ?? "")
      .split(/[\s,]+/)
      .map((entry) => entry.trim().toLowerCase())
      .filter(Boolean),
  };
}

/** Hosts that never go through a proxy, whatever NO_PROXY says. */
export function isAlwaysDirect(hostname: string): boolean {
  const host = bareHost(hostname);
  return (
    host === "localhost" ||
    host.endsWith(".localhost") ||
    host === "::1" ||
    host === "169.254.169.254" ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)
  );
}

/** The proxy URL for `url`, or undefined to connect directly. */
export function proxyFor(url: string | URL, settings: ProxySettings): string | undefined {
  const target = typeof url === "string" ? new URL(url) : url;
  const host = bareHost(target.hostname);
  if (isAlwaysDirect(host)) return undefined;
  const port = target.port || (target.protocol === "https:" ? "443" : "80");
  if (settings.noProxy.some((entry) => noProxyMatches(entry, host, port))) return undefined;
  return target.protocol === "https:" ? settings.httpsProxy : settings.httpProxy;
}

function noProxyMatches(entry: string, host: string, port: string): boolean {
  if (entry === "*") return true;
  let pattern = entry;
  const portMatch = /^(.*):(\d+)$/.exec(pattern);
  if (portMatch && !pattern.includes("::")) {
    if (portMatch[2] !== port) return false;
    pattern = portMatch[1]!;
  }
  pattern = bareHost(pattern);
  if (pattern.includes("/")) return inCidr(host, pattern);
  if (pattern.startsWith("*.")) pattern = pattern.slice(1);
  if (pattern.startsWith(".")) return host.endsWith(pattern) || host === pattern.slice(1);
  return host === pattern || host.endsWith(`.${pattern}`);
}

function inCidr(host: string, cidr: string): boolean {
  const [base, bitsText] = cidr.split("/");
  const address = ipv4(host);
  const network = ipv4(base ?? "");
  const bits = Number(bitsText);
  if (address === undefined || network === undefined || !(bits >= 0 && bits <= 32)) return false;
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return (address & mask) >>> 0 === (network & mask) >>> 0;
}

function ipv4(text: string): number | undefined {
  const parts = text.split(".");
  if (parts.length !== 4 || parts.some((part) => !/^\d{1,3}$/.test(part) || Number(part) > 255))
    return undefined;
  return parts.reduce((sum, part) => sum * 256 + Number(part), 0);
}

function bareHost(host: string): string {
  return host.toLowerCase().replace(/^\[(.*)\]$/, "$1");
}

function withScheme(value: string | undefined): string | undefined {
  if (!value) return undefined;
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`;
}
