/**
 * The device authorization grant (RFC 8628) as data: the device authorization response, the pending-flow
 * record a later process completes, and how each poll answer is classified.
 */
import { EntrakitError } from "../errors.ts";
import { seconds } from "./token-response.ts";

/** Entra's defaults when the response omits them. */
export const DEFAULT_DEVICE_CODE_LIFETIME_SECONDS = 900;
export const DEFAULT_POLL_INTERVAL_SECONDS = 5;
/** RFC 8628 §3.5: add five seconds to the interval on `slow_down`. */
export const SLOW_DOWN_STEP_SECONDS = 5;

export interface DeviceAuthorization {
  deviceCode: string;
  userCode: string;
  verificationUri: string;
  /** Seconds. */
  expiresIn: number;
  /** Seconds. */
  interval: number;
  message?: string;
}

/** Everything `complete` needs, persisted by `start` (the device code sealed by the store). */
export interface PendingDeviceFlow {
  version: 1;
  deviceCode: string;
  userCode: string;
  verificationUri: string;
  /** Poll interval in seconds (grows on slow_down). */
  interval: number;
  /** Milliseconds since the epoch. */
  expiresAt: number;
  createdAt: number;
  lastPollAt?: number;
  authorityHost: string;
  tenant: string;
  clientId: string;
  scopes: string[];
}

export function parseDeviceAuthorization(body: unknown): DeviceAuthorization {
  const record = body !== null && typeof body === "object" ? (body as Record<string, unknown>) : {};
  const deviceCode = record.device_code;
  const userCode = record.user_code;
  const verificationUri = record.verification_uri ?? record.verification_url;
  if (typeof deviceCode !== "string" || typeof userCode !== "string" || typeof verificationUri !== "string") {
    throw new EntrakitError(
      "authentication_failed",
      "The device code response lacks device_code, user_code or verification_uri.",
      { hint: "Check that the authority host points at a Microsoft identity endpoint." },
    );
  }
  const result: DeviceAuthorization = {
    deviceCode,
    userCode,
    verificationUri,
    expiresIn: seconds(record.expires_in) ?? DEFAULT_DEVICE_CODE_LIFETIME_SECONDS,
    interval: Math.max(1, seconds(record.interval) ?? DEFAULT_POLL_INTERVAL_SECONDS),
  };
  if (typeof record.message === "string") result.message = record.message;
  return result;
}

export function pendingDeviceFlow(
  authorization: DeviceAuthorization,
  context: { authorityHost: string; tenant: string; clientId: string; scopes: string[]; now: number },
): PendingDeviceFlow {
  return {
    version: 1,
    deviceCode: authorization.deviceCode,
    userCode: authorization.userCode,
    verificationUri: authorization.verificationUri,
    interval: authorization.interval,
    expiresAt: context.now + authorization.expiresIn * 1000,
    createdAt: context.now,
    authorityHost: context.authorityHost,
    tenant: context.tenant,
    clientId: context.clientId,
    scopes: context.scopes,
  };
}

/** What one poll answer means for the loop. */
export type PollOutcome = "pending" | "slow_down" | "declined" | "expired" | "bad_code" | "failed";

const POLL_ERRORS: Record<string, PollOutcome> = {
  authorization_pending: "pending",
  slow_down: "slow_down",
  authorization_declined: "declined",
  access_denied: "declined",
  expired_token: "expired",
  code_expired: "expired",
  bad_verification_code: "bad_code",
};

/** AADSTS codes that identify the same outcomes when `error` is generic. */
const POLL_CODES: Record<number, PollOutcome> = {
  70016: "pending",
  70018: "bad_code",
  70019: "expired",
};

export function classifyPollError(
  error: string | undefined,
  errorCodes: readonly number[] = [],
): PollOutcome {
  if (error && error in POLL_ERRORS) return POLL_ERRORS[error]!;
  for (const code of errorCodes) if (code in POLL_CODES) return POLL_CODES[code]!;
  return "failed";
}

/**
 * The instructions shown after `start`, in the reference's markdown format plus the verification URI from
 * the response and the phishing warning from the seed's security note.
 */
export function deviceCodeInstructions(flow: PendingDeviceFlow, completeCommand?: string): string {
  const lines = [
    "### Authorization instructions",
    `1. To sign in, use a web browser to open the page [${flow.verificationUri}](${flow.verificationUri})`,
    `and enter the code **${flow.userCode}** to authenticate.`,
  ];
  if (completeCommand) lines.push(`2. Run the **${completeCommand}** command in the War Room.`);
  lines.push(
    "",
    "Microsoft and entrakit never send this code or link by email or any other message: if someone asked you " +
      "to enter a code, do not. Only enter codes you generated yourself.",
  );
  return lines.join("\n");
}
