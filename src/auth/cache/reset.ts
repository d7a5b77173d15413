/**
 * `auth-reset` for one instance: removes its access tokens, refresh tokens and pending sign-ins and
 * device flows (every `auth.` record of its namespace), and nothing else: not the instance's other
 * records, not other instances. Reports counts only; no value is read or logged.
 */
import type { Store } from "../../store/types.ts";
import { TOKEN_RECORD_PREFIX } from "./key.ts";
import type { TokenCache } from "./token-cache.ts";

/** Everything the auth layer keeps in an instance's namespace starts with this. */
export const AUTH_RECORD_PREFIX = "auth.";

/** Which kind of auth record a key is, by its prefix (data, not branches). */
const KINDS: ReadonlyArray<readonly [prefix: string, kind: keyof ResetCounts]> = [
  [TOKEN_RECORD_PREFIX, "accessTokens"],
  ["auth.refresh_token.", "refreshTokens"],
  ["auth.oproxy.refresh_token", "refreshTokens"],
  ["auth.device_flow", "pendingFlows"],
  ["auth.pending_sign_in", "pendingFlows"],
];

export interface ResetCounts {
  accessTokens: number;
  refreshTokens: number;
  pendingFlows: number;
  /** Other `auth.` records (state a future flow keeps). */
  otherAuth: number;
}

export interface ResetReport extends ResetCounts {
  namespace: string;
}

export interface ResetAuthOptions {
  /** Caches in this process to empty as well (other processes' memory ends with their token's life). */
  caches?: readonly TokenCache[];
}

export async function resetAuth(
  store: Store,
  namespace: string,
  options: ResetAuthOptions = {},
): Promise<ResetReport> {
  const report: ResetReport = { namespace, accessTokens: 0, refreshTokens: 0, pendingFlows: 0, otherAuth: 0 };
  for (const key of await store.list(namespace, AUTH_RECORD_PREFIX)) {
    if (!(await store.delete(namespace, key))) continue;
    const kind = KINDS.find(([prefix]) => key.startsWith(prefix))?.[1] ?? "otherAuth";
    report[kind]++;
  }
  for (const cache of options.caches ?? []) {
    if (cache.namespace === namespace) cache.clearMemory();
  }
  return report;
}
