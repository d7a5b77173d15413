/**
 * Fault injection: the next N requests that match a method and a path pattern get a canned failure
 * (status, body, headers) and/or added latency instead of (or before) the real answer. Rules are tried in
 * the order they were added; the first match that still has uses wins.
 */
import { randomUUID } from "node:crypto";

export interface FaultSpec {
  /** HTTP method to match (any when absent). */
  method?: string;
  /**
   * Path pattern matched against the URL path: `*` matches within one segment, `**` across segments.
   * `"/{tenant}/oauth2/v2.0/token"` style placeholders count as `*`. Default `**` (every path).
   */
  path?: string;
  /** How many matching requests this rule affects; default 1. */
  count?: number;
  /** Keep matching forever (count ignored). */
  persistent?: boolean;
  /** Status to answer with. Absent: the rule only adds latency and the request is served normally. */
  status?: number;
  /** Response body: a string as is, anything else as JSON. Default: an OAuth-style JSON error. */
  body?: unknown;
  headers?: Record<string, string>;
  /** Convenience for 429/503: sets the `Retry-After` header (seconds). */
  retryAfterSeconds?: number;
  /** Delay before answering, in milliseconds (real time: latency is about the wire, not the clock). */
  latencyMs?: number;
}

export interface FaultRule extends FaultSpec {
  id: string;
  /** Uses left (Infinity for persistent rules). */
  remaining: number;
  /** How many requests this rule has affected so far. */
  hits: number;
}

export interface FaultOutcome {
  ruleId: string;
  latencyMs: number;
  response?: { status: number; headers: Record<string, string>; body: Buffer };
}

export class FaultInjector {
  #rules: FaultRule[] = [];

  add(spec: FaultSpec): FaultRule {
    if (spec.status === undefined && spec.latencyMs === undefined) {
      throw new TypeError("A fault needs a status, a latencyMs, or both.");
    }
    if (
      spec.status !== undefined &&
      (!Number.isInteger(spec.status) || spec.status < 100 || spec.status > 599)
    ) {
      throw new TypeError(
        `Fault status must be an HTTP status between 100 and 599, got ${String(spec.status)}.`,
      );
    }
    const count = spec.count ?? 1;
    if (!Number.isInteger(count) || count < 1) {
      throw new TypeError("Fault count must be a positive integer; use persistent: true for every request.");
    }
    const rule: FaultRule = {
      ...spec,
      id: randomUUID(),
      remaining: spec.persistent ? Number.POSITIVE_INFINITY : count,
      hits: 0,
    };
    this.#rules.push(rule);
    return rule;
  }

  list(): FaultRule[] {
    return this.#rules.map((rule) => ({ ...rule }));
  }

  clear(): void {
    this.#rules = [];
  }

  /** Consumes one use of the first matching rule and says what to do, or undefined to serve normally. */
  take(method: string, path: string): FaultOutcome | undefined {
    const index = this.#rules.findIndex((rule) => rule.remaining > 0 && matches(rule, method, path));
    if (index < 0) return undefined;
    const rule = this.#rules[index]!;
    rule.remaining -= 1;
    rule.hits += 1;
    if (rule.remaining <= 0) this.#rules.splice(index, 1);
    const outcome: FaultOutcome = { ruleId: rule.id, latencyMs: rule.latencyMs ?? 0 };
    if (rule.status !== undefined) outcome.response = renderFault(rule);
    return outcome;
  }
}

function matches(rule: FaultSpec, method: string, path: string): boolean {
  if (rule.method && rule.method.toUpperCase() !== method.toUpperCase()) return false;
  return patternToRegExp(rule.path ?? "**").test(path);
}

const patternCache = new Map<string, RegExp>();

/** `**` spans segments, `*` and `{name}` stay within one; everything else is literal. */
export function patternToRegExp(pattern: string): RegExp {
  let regex = patternCache.get(pattern);
  if (regex) return regex;
  const source = pattern
    .split(/(\*\*|\*|\{[^}/]+\})/)
    .map((part) => {
      if (part === "**") return ".*";
      if (part === "*" || /^\{[^}/]+\}$/.test(part)) return "[^/]*";
      return part.replace(/[.+?^${}()|[\]\\]/g, "\\$&");
    })
    .join("");
  regex = new RegExp(`^${source}$`, "i");
  patternCache.set(pattern, regex);
  return regex;
}

function renderFault(rule: FaultRule): { status: number; headers: Record<string, string>; body: Buffer } {
  const headers: Record<string, string> = { ...rule.headers };
  if (rule.retryAfterSeconds !== undefined) headers["retry-after"] = String(rule.retryAfterSeconds);
  let body: Buffer;
  if (typeof rule.body === "string") {
    body = Buffer.from(rule.body);
    headers["content-type"] ??= "text/plain; charset=utf-8";
  } else {
    const value = rule.body ?? {
      error: rule.status === 429 ? "temporarily_unavailable" : "server_error",
      error_description: `Fault injected by the entrakit emulator (HTTP ${rule.status}).`,
    };
    body = Buffer.from(JSON.stringify(value));
    headers["content-type"] ??= "application/json; charset=utf-8";
  }
  return { status: rule.status!, headers, body };
}
