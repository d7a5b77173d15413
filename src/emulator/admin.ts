/**
 * The emulator's control surface for tests: request log, fault injection, clock, directory seeding and
 * session revocation. `EmulatorAdmin` is the in-process client; `handleCoreAdmin` serves the same
 * operations as JSON under `/_emulator/` (loopback clients only; the server enforces that).
 */
import { EntrakitError } from "../errors.ts";
import type { ClockState, SettableClock } from "./clock.ts";
import {
  applyDirectoryDocument,
  type DirectoryDocument,
  type EmulatorConfig,
  faultSchema,
  instantToMs,
  parseDirectoryDocument,
} from "./config.ts";
import type { EmulatorModule, RequestContext } from "./contracts.ts";
import { type MemoryDirectory, seedDevelopmentDirectory } from "./directory.ts";
import type { FaultInjector, FaultRule, FaultSpec } from "./faults.ts";
import { jsonBody, sendJson } from "./http-util.ts";
import type { RequestLog, RequestLogEntry } from "./request-log.ts";

/** What the identity module exposes about device codes, so tests can "type" the user code. */
export interface DeviceCodeInfo {
  userCode: string;
  clientId: string;
  tenantId: string;
  scopes: string[];
  /** Milliseconds since the epoch (emulator clock). */
  expiresAt: number;
  status: "pending" | "approved" | "declined" | "redeemed";
}

export interface DeviceCodeSource {
  lastDeviceCode(): DeviceCodeInfo | undefined;
}

export interface DirectorySnapshot {
  tenants: ReturnType<MemoryDirectory["tenants"]>;
  users: Array<Omit<ReturnType<MemoryDirectory["users"]>[number], "password">>;
  apps: Array<Record<string, unknown>>;
  consents: ReturnType<MemoryDirectory["allConsents"]>;
  managedIdentities: ReturnType<MemoryDirectory["managedIdentities"]>;
  resourceApis: Array<{ appId: string; displayName: string; identifierUris: string[] }>;
}

interface AdminParts {
  clock: SettableClock;
  directory: MemoryDirectory;
  faults: FaultInjector;
  requestLog: RequestLog;
  config: EmulatorConfig;
  modules: () => EmulatorModule[];
}

export class EmulatorAdmin {
  readonly #parts: AdminParts;

  constructor(parts: AdminParts) {
    this.#parts = parts;
  }

  requests(filter: { path?: RegExp | string; method?: string } = {}): RequestLogEntry[] {
    const path = typeof filter.path === "string" ? new RegExp(filter.path) : filter.path;
    return this.#parts.requestLog.list({ path, method: filter.method });
  }

  clearRequests(): void {
    this.#parts.requestLog.clear();
  }

  addFault(spec: FaultSpec): FaultRule {
    return this.#parts.faults.add(spec);
  }

  faults(): FaultRule[] {
    return this.#parts.faults.list();
  }

  clearFaults(): void {
    this.#parts.faults.clear();
  }

  clock(): ClockState {
    return this.#parts.clock.state();
  }

  setClock(epochMs: number, options: { frozen?: boolean } = {}): ClockState {
    return this.#parts.clock.set(epochMs, options);
  }

  advanceClock(ms: number): ClockState {
    return this.#parts.clock.advance(ms);
  }

  resetClock(): ClockState {
    return this.#parts.clock.reset();
  }

  /** Adds or replaces directory objects (same document as the config file's directory sections). */
  seed(document: Partial<DirectoryDocument> | unknown): void {
    applyDirectoryDocument(this.#parts.directory, parseDirectoryDocument(document), this.#parts.clock.now());
  }

  /** Replaces the whole directory: back to the start-up state, then the document on top. */
  replaceDirectory(document: unknown = {}, options: { seedDefaults?: boolean } = {}): void {
    const doc = parseDirectoryDocument(document);
    const { directory, config, clock } = this.#parts;
    directory.clear();
    if (options.seedDefaults ?? config.seedDefaults) seedDevelopmentDirectory(directory, clock.now());
    applyDirectoryDocument(directory, config, clock.now());
    applyDirectoryDocument(directory, doc, clock.now());
  }

  directory(): DirectorySnapshot {
    const d = this.#parts.directory;
    return {
      tenants: d.tenants(),
      users: d.tenants().flatMap((t) => d.users(t.id).map(({ password: _password, ...user }) => user)),
      apps: d.apps().map((app) => ({
        ...app,
        secrets: app.secrets.map(({ value: _value, ...secret }) => secret),
      })),
      consents: d.allConsents(),
      managedIdentities: d.managedIdentities(),
      resourceApis: d
        .resourceApis()
        .map(({ appId, displayName, identifierUris }) => ({ appId, displayName, identifierUris })),
    };
  }

  /**
   * Revokes every refresh token and pending code of a user (object id or UPN within `tenant`) or an app
   * (client id), as "Revoke sessions" does in the portal. Later sign-ins work again.
   */
  revokeSessions(target: { userId?: string; tenant?: string; clientId?: string }): { principalId: string } {
    const { directory, clock } = this.#parts;
    let principalId: string | undefined;
    if (target.clientId) {
      if (!directory.app(target.clientId))
        throw new EntrakitError("not_found", `No app with client id ${target.clientId}.`);
      principalId = target.clientId;
    } else if (target.userId) {
      const tenants = target.tenant
        ? [directory.tenant(target.tenant)].filter((t) => t !== undefined)
        : directory.tenants();
      principalId = tenants.map((t) => directory.user(t.id, target.userId!)).find((u) => u !== undefined)?.id;
      if (!principalId)
        throw new EntrakitError(
          "not_found",
          `No user ${target.userId}${target.tenant ? ` in tenant ${target.tenant}` : ""}.`,
        );
    } else {
      throw new EntrakitError(
        "usage",
        "Say whose sessions to revoke: userId (object id or UPN) or clientId.",
      );
    }
    directory.revokeSessions(principalId, clock.now());
    return { principalId };
  }

  /** The most recent device code request (its user code is what a person would type). */
  lastDeviceCode(): DeviceCodeInfo | undefined {
    for (const module of this.#parts.modules()) {
      const source = module as unknown as Partial<DeviceCodeSource>;
      if (typeof source.lastDeviceCode === "function") return source.lastDeviceCode();
    }
    return undefined;
  }
}

/** Serves `/_emulator/<subpath>` core routes; false when the subpath is not a core route. */
export async function handleCoreAdmin(
  admin: EmulatorAdmin,
  ctx: RequestContext,
  subpath: string,
): Promise<boolean> {
  const method = ctx.req.method ?? "GET";
  const route = `${method} ${subpath}`;
  try {
    switch (route) {
      case "GET health":
        sendJson(ctx.res, 200, { status: "ok" });
        return true;
      case "GET requests": {
        const path = ctx.url.searchParams.get("path") ?? undefined;
        sendJson(ctx.res, 200, {
          requests: admin.requests({ path, method: ctx.url.searchParams.get("method") ?? undefined }),
        });
        return true;
      }
      case "DELETE requests":
        admin.clearRequests();
        sendJson(ctx.res, 200, { cleared: true });
        return true;
      case "GET faults":
        sendJson(ctx.res, 200, { faults: admin.faults() });
        return true;
      case "POST faults": {
        const body = jsonBody(ctx);
        const specs = (Array.isArray(body) ? body : [body]).map((spec) => {
          const parsed = faultSchema.safeParse(spec);
          if (!parsed.success)
            throw new EntrakitError(
              "usage",
              `Invalid fault: ${parsed.error.issues[0]!.path.join(".") || "(body)"}: ${parsed.error.issues[0]!.message}.`,
            );
          return parsed.data;
        });
        sendJson(ctx.res, 201, { faults: specs.map((spec) => admin.addFault(spec)) });
        return true;
      }
      case "DELETE faults":
        admin.clearFaults();
        sendJson(ctx.res, 200, { cleared: true });
        return true;
      case "GET clock":
        sendJson(ctx.res, 200, admin.clock());
        return true;
      case "POST clock": {
        const body = (jsonBody(ctx) ?? {}) as {
          now?: number | string;
          frozen?: boolean;
          advanceMs?: number;
          advanceSeconds?: number;
          reset?: boolean;
        };
        let state = admin.clock();
        if (body.reset) state = admin.resetClock();
        if (body.now !== undefined) {
          const ms = instantToMs(body.now);
          if (Number.isNaN(ms))
            throw new EntrakitError("usage", "clock.now must be epoch milliseconds or an ISO 8601 date.");
          state = admin.setClock(ms, { frozen: body.frozen });
        }
        if (body.advanceMs !== undefined || body.advanceSeconds !== undefined) {
          state = admin.advanceClock((body.advanceMs ?? 0) + (body.advanceSeconds ?? 0) * 1000);
        }
        sendJson(ctx.res, 200, state);
        return true;
      }
      case "GET directory":
        sendJson(ctx.res, 200, admin.directory());
        return true;
      case "POST directory":
        admin.seed(jsonBody(ctx) ?? {});
        sendJson(ctx.res, 200, admin.directory());
        return true;
      case "PUT directory": {
        const body = (jsonBody(ctx) ?? {}) as Record<string, unknown>;
        const { seedDefaults, ...doc } = body;
        admin.replaceDirectory(doc, {
          seedDefaults: typeof seedDefaults === "boolean" ? seedDefaults : undefined,
        });
        sendJson(ctx.res, 200, admin.directory());
        return true;
      }
      case "POST sessions/revoke":
        sendJson(
          ctx.res,
          200,
          admin.revokeSessions(
            (jsonBody(ctx) ?? {}) as { userId?: string; tenant?: string; clientId?: string },
          ),
        );
        return true;
      case "GET device-codes/last": {
        const last = admin.lastDeviceCode();
        if (last) sendJson(ctx.res, 200, last);
        else
          sendJson(ctx.res, 404, {
            error: "not_found",
            error_description: "No device code has been requested yet.",
          });
        return true;
      }
      default:
        return false;
    }
  } catch (error) {
    const status =
      error instanceof SyntaxError
        ? 400
        : error instanceof EntrakitError
          ? error.code === "not_found"
            ? 404
            : 400
          : 500;
    const message = error instanceof EntrakitError ? error.toLine() : (error as Error).message;
    sendJson(ctx.res, status, {
      error: status === 500 ? "server_error" : "invalid_request",
      error_description: message,
    });
    return true;
  }
}
