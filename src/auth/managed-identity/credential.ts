/**
 * Managed identity: tokens from the host the code runs on (IMDS on VMs, App Service / Functions, Azure
 * Arc, Cloud Shell), system-assigned or user-assigned by client id, object id or resource id. Requests go
 * straight to the local endpoint, never through a proxy, and are retried as each source's policy says.
 */
import { existsSync } from "node:fs";
import { setTimeout as delay } from "node:timers/promises";
import { EntrakitError } from "../../errors.ts";
import { resourceOf, type TokenTarget } from "../../protocol/token-request.ts";
import { parseTokenResponse } from "../../protocol/token-response.ts";
import { toAccessToken } from "../client-credentials.ts";
import { configurationError } from "../common.ts";
import { TokenMemo } from "../token-memo.ts";
import { type AuthHttp, defaultAuthHttp, parseJson } from "../transport.ts";
import {
  type AccessToken,
  defaultTarget,
  type GetTokenOptions,
  resolveTarget,
  type TokenCredential,
} from "../types.ts";
import { ARC_KEY_DIRECTORY, sendArcRequest } from "./arc.ts";
import { type RetryReport, sendWithRetry } from "./retry.ts";
import {
  detectSource,
  type IdentitySelector,
  type ManagedIdentitySourceName,
  type SourceSpec,
  sourceByName,
} from "./sources.ts";

/** The reference's value for "system-assigned" in the client id field. */
export const SYSTEM_ASSIGNED = "SYSTEM_ASSIGNED";

export interface ManagedIdentityCredentialOptions {
  /** A user-assigned identity's client id; `SYSTEM_ASSIGNED` or absent means the system-assigned one. */
  clientId?: string;
  /** A user-assigned identity's object (principal) id. */
  objectId?: string;
  /** A user-assigned identity's ARM resource id. */
  resourceId?: string;
  /** Default v1 resource for `getToken()` without arguments. */
  resource?: string;
  /** Default scope (one `.default` scope) for `getToken()` without arguments. */
  scopes?: string[];
  /** Skip detection and use this source. */
  source?: ManagedIdentitySourceName;
  /** Environment to detect the source from. Default `process.env`. */
  env?: Record<string, string | undefined>;
  http?: AuthHttp;
  now?: () => number;
  /** How retries wait (tests inject one that does not sleep). */
  sleep?: (ms: number) => Promise<void>;
  /** Called before each retry wait. */
  onRetry?: (report: RetryReport) => void;
  /** Where Azure Arc key files may live. Default: the agent's token directory. */
  arcKeyDirectory?: string;
}

export class ManagedIdentityCredential implements TokenCredential {
  readonly source: ManagedIdentitySourceName;
  readonly #spec: SourceSpec;
  readonly #selector: IdentitySelector | undefined;
  readonly #env: Record<string, string | undefined>;
  readonly #http: AuthHttp;
  readonly #now: () => number;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #options: ManagedIdentityCredentialOptions;
  readonly #memo: TokenMemo;
  readonly #defaultTarget: TokenTarget | undefined;

  constructor(options: ManagedIdentityCredentialOptions = {}) {
    this.#options = options;
    this.#env = options.env ?? process.env;
    this.#spec = options.source ? sourceByName(options.source) : detectSource(this.#env, existsSync);
    this.source = this.#spec.name;
    this.#selector = selectorOf(options);
    if (this.#selector && !this.#spec.selectorParams[this.#selector.kind]) {
      throw configurationError(
        `The ${this.source} managed identity source supports only the system-assigned identity.`,
        "Remove the managed identity client, object or resource id, or run where user-assigned identities are available.",
      );
    }
    this.#http = options.http ?? defaultAuthHttp();
    this.#now = options.now ?? Date.now;
    this.#sleep = options.sleep ?? ((ms) => delay(ms));
    this.#memo = new TokenMemo(this.#now);
    this.#defaultTarget = defaultTarget(options);
  }

  getToken(options: GetTokenOptions = {}): Promise<AccessToken> {
    const target = resolveTarget(options, this.#defaultTarget);
    return this.#memo.get(target, options, () => this.#fetch(target));
  }

  async #fetch(target: TokenTarget): Promise<AccessToken> {
    let resource: string;
    try {
      resource = resourceOf(target);
    } catch {
      throw configurationError(
        "A managed identity token is for one resource at a time.",
        "Ask for one scope or resource.",
      );
    }
    const request = this.#spec.request({
      env: this.#env,
      resource,
      ...(this.#selector ? { selector: this.#selector } : {}),
    });
    const started = this.#now();
    const send =
      this.#spec.name === "azure-arc"
        ? () => sendArcRequest(this.#http, request, this.#options.arcKeyDirectory ?? ARC_KEY_DIRECTORY)
        : () => this.#http.send(request);
    const response = await sendWithRetry(
      send,
      this.#spec.retry,
      this.#sleep,
      this.#now,
      this.#options.onRetry,
    );
    const body = parseJson(response.text);
    if (response.status < 200 || response.status >= 300)
      throw managedIdentityError(this.source, response.status, body);
    return toAccessToken(parseTokenResponse(body, started), target);
  }
}

function selectorOf(options: ManagedIdentityCredentialOptions): IdentitySelector | undefined {
  const clientId = options.clientId?.trim();
  const given: IdentitySelector[] = [];
  if (clientId && clientId !== SYSTEM_ASSIGNED) given.push({ kind: "client_id", value: clientId });
  if (options.objectId?.trim()) given.push({ kind: "object_id", value: options.objectId.trim() });
  if (options.resourceId?.trim()) given.push({ kind: "resource_id", value: options.resourceId.trim() });
  if (given.length > 1) {
    throw configurationError(
      "Give one managed identity selector: client id, object id or resource id.",
      "Remove the others.",
    );
  }
  return given[0];
}

/** The reference's message prefix, with the description from any of the sources' error shapes. */
function managedIdentityError(source: string, status: number, body: unknown): EntrakitError {
  const record = body && typeof body === "object" ? (body as Record<string, unknown>) : {};
  const nested =
    record.error && typeof record.error === "object" ? (record.error as Record<string, unknown>) : {};
  const description = [record.error_description, record.message, nested.message, record.error]
    .find((value): value is string => typeof value === "string" && value !== "")
    ?.split(/\s*(?:Trace ID:|Correlation ID:|Timestamp:)/)[0]
    ?.trim();
  const hints: Record<number, string> = {
    400: "Check that the identity is assigned to this resource and that the client, object or resource id is right.",
    401: "The managed identity endpoint refused the local proof; check the agent or App Service settings.",
    403: "The managed identity endpoint refused the request; check network policies on the host.",
  };
  return new EntrakitError(
    status === 429 ? "throttled" : "authentication_failed",
    `Error in Microsoft authorization with Azure Managed Identities: ${description ?? `${source} answered ${status}`}`,
    { hint: hints[status] ?? `The ${source} endpoint kept failing (status ${status}); try again later.` },
  );
}
