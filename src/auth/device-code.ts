/**
 * Delegated tokens through the device authorization grant, split in two so any later process can finish:
 * `start` requests the code, persists the pending flow (device code sealed) and returns the instructions;
 * `complete` polls at the interval (+5 s on slow_down) until the user signs in, declines, or the code
 * expires — or polls once and reports "still pending". Afterwards `getToken` serves any target from the
 * rotated refresh token.
 */
import { setTimeout as delay } from "node:timers/promises";
import {
  classifyPollError,
  deviceCodeInstructions,
  type PendingDeviceFlow,
  type PollOutcome,
  parseDeviceAuthorization,
  pendingDeviceFlow,
  SLOW_DOWN_STEP_SECONDS,
} from "../protocol/device-code.ts";
import {
  deviceAuthorizationEndpoint,
  deviceAuthorizationRequest,
  deviceCodeTokenRequest,
  type TokenTarget,
  tokenEndpoint,
} from "../protocol/token-request.ts";
import type { Json } from "../store/types.ts";
import { publicClient } from "./client-auth.ts";
import { toAccessToken } from "./client-credentials.ts";
import {
  type CommonCredentialOptions,
  configurationError,
  type ResolvedCommon,
  required,
  resolveCommon,
} from "./common.ts";
import {
  AuthenticationFailedError,
  AuthenticationRequiredError,
  AuthorizationPendingError,
} from "./errors.ts";
import { AuthState, type AuthStateOptions } from "./persistence.ts";
import { RefreshSession } from "./refresh-session.ts";
import { callTokenEndpoint, failureOf, postToIdentity, tokenEndpointError } from "./token-endpoint.ts";
import { TokenMemo } from "./token-memo.ts";
import { type AccessToken, type GetTokenOptions, resolveTarget, type TokenCredential } from "./types.ts";

const PENDING_KEY = "auth.device_flow";

export interface DeviceCodeCredentialOptions extends CommonCredentialOptions, AuthStateOptions {
  clientId: string;
  /** Default `organizations` (work or school accounts of any tenant). */
  tenantId?: string;
  /** Delegated scopes to sign in for (and the default target). */
  scopes: string[];
  /** The command that completes the sign-in, named in the instructions (e.g. `!azure-sql-auth-complete`). */
  completeCommand?: string;
  /** The command that starts a new sign-in, named in errors (e.g. `!azure-sql-auth-start`). */
  startCommand?: string;
  /** How polling waits (tests inject one that does not sleep). */
  sleep?: (ms: number) => Promise<void>;
}

export interface DeviceCodeStart {
  /** Markdown instructions naming the verification URI and the user code, with the phishing warning. */
  instructions: string;
  userCode: string;
  verificationUri: string;
  /** Milliseconds since the epoch. */
  expiresOn: number;
  /** Seconds between polls. */
  interval: number;
}

export interface DeviceCodeCompleteOptions {
  /** Poll once and report "still pending" (an `authorization_pending` error) instead of waiting. */
  singlePoll?: boolean;
  signal?: AbortSignal;
}

export class DeviceCodeCredential implements TokenCredential {
  readonly tenantId: string;
  readonly clientId: string;
  readonly scopes: string[];
  readonly #common: ResolvedCommon;
  readonly #state: AuthState;
  readonly #session: RefreshSession;
  readonly #memo: TokenMemo;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #completeCommand: string | undefined;
  readonly #startHint: string;

  constructor(options: DeviceCodeCredentialOptions) {
    const name = "DeviceCodeCredential";
    this.clientId = required(options.clientId, "clientId", name);
    this.tenantId = options.tenantId?.trim() || "organizations";
    if (!options.scopes?.length) {
      throw configurationError(`${name} needs scopes.`, "List the delegated permissions to sign in for.");
    }
    this.scopes = [...options.scopes];
    this.#common = resolveCommon({ ...options, scopes: this.scopes });
    this.#state = new AuthState(options, this.#common.now);
    this.#startHint = options.startCommand
      ? `Run ${options.startCommand} to sign in again.`
      : "Start a new device code sign-in.";
    this.#session = new RefreshSession({
      common: this.#common,
      state: this.#state,
      tenant: this.tenantId,
      clientId: this.clientId,
      auth: publicClient,
      signInHint: options.startCommand
        ? `Run ${options.startCommand}, sign in, then run ${options.completeCommand ?? "the complete command"}.`
        : "Start a device code sign-in and complete it.",
    });
    this.#memo = new TokenMemo(this.#common.now);
    this.#sleep = options.sleep ?? ((ms) => delay(ms));
    this.#completeCommand = options.completeCommand;
  }

  /** Requests a device code and persists the pending flow; only the device flow keys are replaced. */
  async start(): Promise<DeviceCodeStart> {
    const url = deviceAuthorizationEndpoint(this.#common.authorityHost, this.tenantId);
    const response = await postToIdentity(
      this.#common.http,
      url,
      deviceAuthorizationRequest(this.clientId, this.scopes),
    );
    if (response.status < 200 || response.status >= 300) {
      throw tokenEndpointError(failureOf(response.status, response.text), this.#diagnosis());
    }
    const flow = pendingDeviceFlow(parseDeviceAuthorization(response.json), {
      authorityHost: this.#common.authorityHost,
      tenant: this.tenantId,
      clientId: this.clientId,
      scopes: this.scopes,
      now: this.#common.now(),
    });
    await this.#state.set(PENDING_KEY, flow as unknown as Json, flow.expiresAt - flow.createdAt);
    return {
      instructions: deviceCodeInstructions(flow, this.#completeCommand),
      userCode: flow.userCode,
      verificationUri: flow.verificationUri,
      expiresOn: flow.expiresAt,
      interval: flow.interval,
    };
  }

  /** True while a started flow waits to be completed. */
  async pending(): Promise<boolean> {
    return (await this.#state.get(PENDING_KEY)) !== undefined;
  }

  /** Polls for the sign-in started by `start` (in this or an earlier process). */
  async complete(options: DeviceCodeCompleteOptions = {}): Promise<AccessToken> {
    const flow = (await this.#state.get(PENDING_KEY)) as PendingDeviceFlow | undefined;
    if (!flow) {
      throw new AuthenticationRequiredError("There is no device code sign-in to complete.", {
        hint: this.#startHint,
      });
    }
    const target: TokenTarget = { scopes: flow.scopes };
    const url = tokenEndpoint({ authorityHost: flow.authorityHost, tenant: flow.tenant, version: 2 });
    let interval = flow.interval;
    for (;;) {
      if (this.#common.now() >= flow.expiresAt) return this.#stop("expired");
      const result = await callTokenEndpoint(
        this.#common.http,
        url,
        deviceCodeTokenRequest({
          clientId: flow.clientId,
          target,
          clientAuth: { kind: "none" },
          deviceCode: flow.deviceCode,
        }),
        this.#common.now,
      );
      if (result.ok) {
        await this.#state.delete(PENDING_KEY);
        await this.#session.remember(result.token);
        const token = toAccessToken(result.token, target);
        this.#memo.clear();
        this.#memo.put(target, token);
        return token;
      }
      const outcome = classifyPollError(result.failure.error, result.failure.errorCodes);
      if (outcome === "failed") {
        // A refusal ends the flow; a server or throttling failure leaves it for the next attempt.
        if (result.failure.status < 500 && result.failure.status !== 429)
          await this.#state.delete(PENDING_KEY);
        throw tokenEndpointError(result.failure, this.#diagnosis());
      }
      if (outcome !== "pending" && outcome !== "slow_down") return this.#stop(outcome);
      if (outcome === "slow_down") {
        interval += SLOW_DOWN_STEP_SECONDS;
        const updated: PendingDeviceFlow = { ...flow, interval, lastPollAt: this.#common.now() };
        await this.#state.set(
          PENDING_KEY,
          updated as unknown as Json,
          Math.max(1, flow.expiresAt - this.#common.now()),
        );
      }
      if (options.singlePoll) {
        throw new AuthorizationPendingError("The device code sign-in is still pending.", {
          hint: `Open ${flow.verificationUri}, enter the code ${flow.userCode}, then run ${this.#completeCommand ?? "the complete command"} again.`,
        });
      }
      if (options.signal?.aborted) {
        throw new AuthenticationRequiredError("Waiting for the device code sign-in was cancelled.", {
          hint: `Run ${this.#completeCommand ?? "the complete command"} again to keep waiting.`,
        });
      }
      await this.#sleep(interval * 1000);
    }
  }

  async getToken(options: GetTokenOptions = {}): Promise<AccessToken> {
    const target = resolveTarget(options, this.#common.defaultTarget);
    return this.#memo.get(target, options, () => this.#session.redeem(target, options.claims));
  }

  /** Forgets the refresh token and any pending flow (the auth-reset command). */
  async reset(): Promise<void> {
    this.#memo.clear();
    await this.#session.forget();
    await this.#state.delete(PENDING_KEY);
  }

  #diagnosis() {
    return {
      ...this.#common.diagnosis,
      tenantId: this.tenantId,
      clientId: this.clientId,
      target: this.scopes.join(" "),
    };
  }

  async #stop(outcome: Exclude<PollOutcome, "pending" | "slow_down" | "failed">): Promise<never> {
    await this.#state.delete(PENDING_KEY);
    const messages = {
      declined: "The sign-in was declined at the verification page.",
      expired: "The device code expired before the sign-in was completed.",
      bad_code: "Microsoft did not recognise the device code.",
    } as const;
    throw new AuthenticationFailedError(messages[outcome], {
      hint: this.#startHint,
      family: `device_code_${outcome}`,
    });
  }
}
