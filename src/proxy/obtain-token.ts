/**
 * `POST /obtain-token` (spec: oauth-proxy.md): registration and app check, decryption, the 5-minute
 * timestamp window, single use of each ciphertext (across replicas, through the store), then client
 * credentials for the tenant or a refresh token redemption. Every refusal is a fixed message: nothing from
 * the request (token, key, ciphertext) is ever echoed, and nothing says which decryption step failed.
 */
import { createHash } from "node:crypto";
import { decryptProxyToken } from "../protocol/oauth-proxy.ts";
import type { Store } from "../store/types.ts";
import type { AuditLog, AuditRecord } from "./audit.ts";
import type { ProxyApp, ProxyConfig } from "./config.ts";
import type { EntraClient } from "./entra.ts";
import type { RateLimiter } from "./rate-limit.ts";
import { PROXY_NAMESPACE, type Registrations } from "./registrations.ts";

export const TIMESTAMP_WINDOW_SECONDS = 300;
/** A ciphertext is remembered as long as its timestamp could still be accepted (both sides of now). */
const REPLAY_MEMORY_MS = 2 * TIMESTAMP_WINDOW_SECONDS * 1000 + 60_000;

export interface ObtainTokenDeps {
  config: ProxyConfig;
  store: Store;
  registrations: Registrations;
  entra: EntraClient;
  audit: AuditLog;
  perRegistration: RateLimiter;
  now: () => number;
}

export interface ProxyReply {
  status: number;
  body: Record<string, unknown>;
  headers?: Record<string, string>;
}

interface Request {
  app_name: string;
  registration_id: string;
  encrypted_token: string;
  scope: string | null;
  resource: string;
}

/** The refusals, as data: status, the `title` clients show, and a detail that says what to do. */
const REFUSALS = {
  bad_request: [
    400,
    "invalid_request",
    "Send JSON {app_name, registration_id, encrypted_token, scope?, resource?}.",
  ],
  unknown_registration: [
    401,
    "invalid_registration",
    "The registration is unknown, revoked, or not for this app. Authorize again from the consent page and update ID, Token and Key.",
  ],
  bad_ciphertext: [
    401,
    "invalid_token",
    "The encrypted token could not be verified. Check that the Key matches the ID (keys change when rotated).",
  ],
  stale_timestamp: [
    401,
    "invalid_token",
    "The request's timestamp is more than 5 minutes away from the proxy's clock. Check the client's clock (NTP).",
  ],
  replayed: [
    401,
    "invalid_token",
    "This encrypted token was already used. Each request must be encrypted afresh.",
  ],
  wrong_grant: [
    400,
    "invalid_grant",
    "This registration cannot use that grant: application registrations send the tenant ID, delegated ones a refresh token.",
  ],
} as const satisfies Record<string, readonly [number, string, string]>;

type RefusalReason = keyof typeof REFUSALS;

export async function obtainToken(
  deps: ObtainTokenDeps,
  rawBody: string,
  info: { address: string; client: string | undefined },
): Promise<ProxyReply> {
  const audit: AuditRecord = { event: "token", outcome: "ok", address: info.address, client: info.client };
  const refuse = (reason: RefusalReason): ProxyReply => {
    const [status, title, detail] = REFUSALS[reason];
    deps.audit.write({ ...audit, event: "refusal", outcome: "refused", status, reason });
    return { status, body: { title, detail } };
  };

  const request = parseRequest(rawBody);
  if (!request) return refuse("bad_request");
  audit.app = request.app_name;
  audit.registration = request.registration_id;

  const wait = deps.perRegistration.take(request.registration_id);
  if (wait > 0) {
    deps.audit.write({ ...audit, event: "refusal", outcome: "refused", status: 429, reason: "rate_limited" });
    return {
      status: 429,
      body: { title: "rate_limited", detail: `Too many requests for this registration; retry in ${wait} s.` },
      headers: { "retry-after": String(wait) },
    };
  }

  const found = await deps.registrations.active(request.registration_id);
  const app = deps.config.apps.get(request.app_name);
  if (!found || !app || found.registration.appName !== request.app_name)
    return refuse("unknown_registration");
  const { registration, key } = found;
  audit.tenant = registration.tenantId;
  audit.kind = registration.kind;

  let decrypted: { epochSeconds: number; content: string };
  try {
    decrypted = decryptProxyToken(key, request.encrypted_token);
  } catch {
    return refuse("bad_ciphertext");
  }
  if (Math.abs(deps.now() / 1000 - decrypted.epochSeconds) > TIMESTAMP_WINDOW_SECONDS) {
    return refuse("stale_timestamp");
  }
  const seen = await deps.store.set(PROXY_NAMESPACE, replayKey(request.encrypted_token), 1, {
    expectedVersion: 0,
    ttlMs: REPLAY_MEMORY_MS,
  });
  if (!seen.ok) return refuse("replayed");

  const content = decrypted.content.trim();
  const isTenant = content.toLowerCase() === registration.tenantId.toLowerCase();
  if (isTenant !== (registration.kind === "application") || content === "") return refuse("wrong_grant");

  const result = isTenant
    ? await deps.entra.clientCredentials(app, registration.tenantId, resourceFor(app, request))
    : await deps.entra.refresh(app, registration.tenantId, content, scopesFor(app, request));
  audit.grant = isTenant ? "client_credentials" : "refresh_token";
  if (!result.ok) {
    const { status, error, detail, errorCodes } = result.refusal;
    deps.audit.write({ ...audit, outcome: "failed", status, reason: error, errorCodes });
    return {
      status,
      body: { title: error, detail, error_codes: errorCodes },
      ...(status === 429 || status >= 500 ? { headers: { "retry-after": "5" } } : {}),
    };
  }
  deps.audit.write({ ...audit, status: 200 });
  return {
    status: 200,
    body: {
      access_token: result.tokens.accessToken,
      expires_in: result.tokens.expiresIn,
      refresh_token: result.tokens.refreshToken,
    },
  };
}

function parseRequest(text: string): Request | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const body = value as Record<string, unknown>;
  const text64 = (v: unknown, max: number) => typeof v === "string" && v.length > 0 && v.length <= max;
  if (
    !text64(body.app_name, 128) ||
    !text64(body.registration_id, 128) ||
    !text64(body.encrypted_token, 48_000)
  ) {
    return undefined;
  }
  if (body.scope !== undefined && body.scope !== null && typeof body.scope !== "string") return undefined;
  if (body.resource !== undefined && body.resource !== null && typeof body.resource !== "string")
    return undefined;
  return {
    app_name: body.app_name as string,
    registration_id: body.registration_id as string,
    encrypted_token: body.encrypted_token as string,
    scope: typeof body.scope === "string" && body.scope.trim() !== "" ? body.scope.trim() : null,
    resource: typeof body.resource === "string" ? body.resource.trim() : "",
  };
}

/** Client credentials: the request's resource, else a `.default` scope's resource, else the app's. */
function resourceFor(app: ProxyApp, request: Request): string {
  if (request.resource) return request.resource;
  const scope = request.scope?.split(/\s+/).find((s) => s.endsWith("/.default"));
  return scope ? scope.slice(0, -"/.default".length) : app.resource;
}

/** Refresh: the request's scopes, else the resource's `.default`, else the app's consented scopes. */
function scopesFor(app: ProxyApp, request: Request): string[] {
  if (request.scope) return request.scope.split(/\s+/).filter((s) => s !== "offline_access");
  if (request.resource) return [`${request.resource.replace(/\/+$/, "")}/.default`];
  return app.scopes;
}

/** Keyed by the decoded bytes, so another spelling of the same base64 is still the same ciphertext. */
function replayKey(encrypted: string): string {
  return `replay.${createHash("sha256").update(Buffer.from(encrypted, "base64")).digest("base64url")}`;
}
