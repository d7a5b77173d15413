/**
 * The narrated War Room session of `entrakit demo`, as data: each step says in one sentence what it shows,
 * gives the line a person would type (built from what earlier steps found, as a person would copy an id
 * or a next_token), and checks that the result is what it should be. The runner (runner.ts) prints and
 * runs the steps; nothing here does I/O except through the `DemoSession` it is handed.
 */
import { DEV_ADMIN } from "../emulator/well-known.ts";
import { EntrakitError, type ErrorCode } from "../errors.ts";
import type { CommandResult } from "../runtime/result.ts";
import { type Approver, readInstructions } from "./device-approval.ts";

/** What the steps learn along the way and hand to later steps. */
export interface DemoState {
  /** Users of the `limit=10` list. */
  users: { id: string; userPrincipalName: string; riskState: string }[];
  /** Ids of the first `page_size=2` page. */
  firstPageIds: string[];
  nextToken?: string;
  /** The users the session confirms as compromised. */
  confirmed: string[];
  instructions?: { userCode: string; verificationUri: string };
}

/** What a step's check can look at besides the results: the instance context, as `!context` shows it. */
export interface DemoSession {
  readContext(instance: string, path: string): Promise<unknown>;
}

interface LineStep {
  kind: "line";
  narration: string;
  line: (state: DemoState) => string;
  /** Throws when the result is not what the step shows; records what later steps need. */
  check: (results: CommandResult[], state: DemoState, session: DemoSession) => void | Promise<void>;
}

/** A line that must fail with this error: the step shows a refusal. */
interface RefusalStep {
  kind: "refusal";
  narration: string;
  line: (state: DemoState) => string;
  code: ErrorCode;
}

/** A person approving the device code in a browser (done with the same HTTP form posts). */
interface BrowserStep {
  kind: "browser";
  narration: string;
  approver: Approver;
}

export type DemoStep = LineStep | RefusalStep | BrowserStep;

export const APP = "risky-app";
const DEVICE = "risky-device";

function fail(message: string): never {
  throw new EntrakitError("internal", message);
}

function data(result: CommandResult | undefined): unknown {
  return result?.outputs?.data;
}

function items<T>(results: CommandResult[], what: string): T[] {
  const value = data(results[0]);
  if (!Array.isArray(value)) fail(`${what}: the result has no list of items.`);
  return value as T[];
}

function expectText(results: CommandResult[], pattern: RegExp, what: string): void {
  const text = results.map((r) => r.readable).join("\n");
  if (!pattern.test(text)) fail(`${what}: expected ${pattern} in the result.`);
}

export const DEMO_SCRIPT: readonly DemoStep[] = [
  {
    kind: "line",
    narration:
      "The client-credentials instance gets a token from the emulator's Entra ID and reads Identity Protection.",
    line: () => `!azure-risky-users-auth-test using=${APP}`,
    check: (results) => expectText(results, /^Success!/, "auth-test"),
  },
  {
    kind: "line",
    narration: "List the first ten of the tenant's 1,000 risky users.",
    line: () => `!azure-risky-users-list limit=10 using=${APP}`,
    check: (results, state) => {
      state.users = items(results, "list limit=10");
      if (state.users.length !== 10) fail(`list limit=10 returned ${state.users.length} users.`);
      // The ones step 11 confirms as compromised: at-risk users, as an analyst would pick them.
      const atRisk = state.users.filter((u) => u.riskState === "atRisk").map((u) => u.id);
      state.confirmed = atRisk.length > 0 ? atRisk.slice(0, 2) : [state.users[0]!.id];
    },
  },
  {
    kind: "line",
    narration: "Page by hand instead: page_size=2 returns one page and leaves a next_token in the context.",
    line: () => `!azure-risky-users-list page_size=2 using=${APP}`,
    check: async (results, state, session) => {
      state.firstPageIds = items<{ id: string }>(results, "list page_size=2").map((u) => u.id);
      const token = await session.readContext(APP, "AzureRiskyUsers.RiskyUserListNextToken");
      if (state.firstPageIds.length !== 2 || typeof token !== "string") {
        fail("list page_size=2 did not return two users and a next_token.");
      }
      state.nextToken = token;
    },
  },
  {
    kind: "line",
    narration:
      "Hand back the next_token the context holds (AzureRiskyUsers.RiskyUserListNextToken) for page two.",
    line: (state) => `!azure-risky-users-list page_size=2 next_token="${state.nextToken}" using=${APP}`,
    check: (results, state) => {
      const ids = items<{ id: string }>(results, "the next_token page").map((u) => u.id);
      if (ids.length !== 2 || ids.some((id) => state.firstPageIds.includes(id))) {
        fail("the next_token page did not return two new users.");
      }
    },
  },
  {
    kind: "line",
    narration: "Get one risky user by the id the first list showed.",
    line: (state) => `!azure-risky-user-get id=${state.users[0]!.id} using=${APP}`,
    check: (results, state) => {
      const user = data(results[0]) as { id?: string } | undefined;
      if (user?.id !== state.users[0]!.id) fail("get returned another user.");
    },
  },
  {
    kind: "line",
    narration:
      "The high-risk detections behind those users: sign-ins from anonymous IPs, leaked credentials...",
    line: () => `!azure-risky-users-risk-detections-list risk_level=high limit=20 using=${APP}`,
    check: (results) => {
      const found = items<{ riskLevel: string }>(results, "risk detections list");
      if (found.length === 0 || found.some((d) => d.riskLevel !== "high")) {
        fail("risk detections list did not return high-risk detections only.");
      }
    },
  },
  {
    kind: "refusal",
    narration: "The device-code instance has nobody signed in yet, so it refuses and says what to run.",
    line: () => `!azure-risky-users-auth-test using=${DEVICE}`,
    code: "authentication_required",
  },
  {
    kind: "line",
    narration: "Start the device-code sign-in: entrakit shows a code and the page to enter it on.",
    line: () => `!azure-risky-users-auth-start using=${DEVICE}`,
    check: (results, state) => {
      state.instructions = readInstructions(results.map((r) => r.readable).join("\n"));
    },
  },
  {
    kind: "browser",
    narration: `A person opens that page, enters the code and signs in as ${DEV_ADMIN.userPrincipalName} (here: the same form posts a browser sends).`,
    approver: { login: DEV_ADMIN.userPrincipalName, password: DEV_ADMIN.password },
  },
  {
    kind: "line",
    narration: "Complete the sign-in: one poll of the token endpoint picks up the approval.",
    line: () => `!azure-risky-users-auth-complete using=${DEVICE}`,
    check: (results) => expectText(results, /Authorization completed successfully/, "auth-complete"),
  },
  {
    kind: "line",
    narration: "Now act as that person: confirm two at-risk users from the first list as compromised.",
    line: (state) =>
      `!azure-risky-users-confirm-compromise user_ids=${state.confirmed.join(",")} using=${DEVICE}`,
    check: (results, state) => {
      for (const id of state.confirmed) expectText(results, new RegExp(id), "confirm-compromise");
    },
  },
  {
    kind: "line",
    narration: "The user's risk history now ends with the administrator's confirmation.",
    line: (state) => `!azure-risky-user-history-list id=${state.confirmed[0]} using=${DEVICE}`,
    check: (results) => expectText(results, /adminConfirmedUserCompromised/, "history list"),
  },
  {
    kind: "line",
    narration: "Reset the device-code instance: its tokens are forgotten.",
    line: () => `!azure-risky-users-auth-reset using=${DEVICE}`,
    check: (results) => expectText(results, /reset successfully/, "auth-reset"),
  },
  {
    kind: "refusal",
    narration: "And it asks for a new sign-in again.",
    line: () => `!azure-risky-users-auth-test using=${DEVICE}`,
    code: "authentication_required",
  },
];

export function initialState(): DemoState {
  return { users: [], firstPageIds: [], confirmed: [] };
}
