/**
 * One tenant's Identity Protection data: risky users, their history, and risk detections, plus the
 * documented effects of the admin actions (dismiss, confirmCompromised, confirmSafe). Generated data and
 * Microsoft's doc examples (loaded as-is) live side by side.
 */
import { randomUUID } from "node:crypto";
import { Collection } from "./collection.ts";
import type { GraphRecord, HistoryItemRecord, RiskyUserRecord } from "./entities.ts";
import { toGraphDateTime } from "./entities.ts";
import { type DetectionRecord, type GeneratorInput, generate, generatedHistory } from "./generator.ts";
import { badRequest, GraphError } from "./graph-error.ts";

export type RiskAction = "dismiss" | "confirmCompromised" | "confirmSafe";

/** What each action does to a user: risk level per the Graph docs, state and detail as Graph shows them. */
export const ACTION_EFFECTS: Readonly<
  Record<RiskAction, { riskLevel: string; riskState: string; riskDetail: string }>
> = {
  dismiss: { riskLevel: "none", riskState: "dismissed", riskDetail: "adminDismissedAllRiskForUser" },
  confirmCompromised: {
    riskLevel: "high",
    riskState: "confirmedCompromised",
    riskDetail: "adminConfirmedUserCompromised",
  },
  confirmSafe: { riskLevel: "none", riskState: "confirmedSafe", riskDetail: "adminConfirmedSigninSafe" },
};

/** Graph refuses larger batches; the emulator's limit is documented in docs/emulator-graph.md. */
export const MAX_ACTION_USER_IDS = 60;

export interface DatasetSummary {
  riskyUsers: number;
  detections: number;
  seed: number;
  anchor: string;
}

export class TenantDataset {
  readonly riskyUsers = new Collection<RiskyUserRecord>();
  readonly detections = new Collection<DetectionRecord>();
  readonly #history = new Map<string, HistoryItemRecord[]>();
  readonly #generatedIds = new Set<string>();
  readonly #seed: number;
  readonly #anchor: number;
  readonly #adminId: string;

  constructor(input: GeneratorInput, adminId: string) {
    const data = generate(input);
    for (const user of data.riskyUsers) {
      this.riskyUsers.add(user);
      this.#generatedIds.add(user.id.toLowerCase());
    }
    for (const detection of data.detections) this.detections.add(detection);
    this.#seed = input.seed;
    this.#anchor = input.anchor;
    this.#adminId = adminId;
  }

  summary(): DatasetSummary {
    return {
      riskyUsers: this.riskyUsers.size,
      detections: this.detections.size,
      seed: this.#seed,
      anchor: new Date(this.#anchor).toISOString(),
    };
  }

  /** The user's history, oldest first; undefined when the user is not a risky user. */
  history(userId: string): HistoryItemRecord[] | undefined {
    const user = this.riskyUsers.get(userId);
    if (!user) return undefined;
    const key = user.id.toLowerCase();
    let items = this.#history.get(key);
    if (!items) {
      items = this.#generatedIds.has(key) ? generatedHistory(user, this.#seed, this.#adminId) : [];
      this.#history.set(key, items);
    }
    return items;
  }

  /**
   * Applies an admin action to every listed user, or to none: unknown ids fail the whole request (404)
   * before anything changes. Each user gets a history item initiated by the caller.
   */
  apply(action: RiskAction, userIds: unknown, actorId: string, now: number): void {
    if (!Array.isArray(userIds) || userIds.length === 0 || !userIds.every((id) => typeof id === "string")) {
      throw badRequest(
        'The request body must be {"userIds": ["<user object id>", ...]} with at least one id.',
      );
    }
    if (userIds.length > MAX_ACTION_USER_IDS) {
      throw badRequest(
        `Too many userIds: ${userIds.length} were sent; at most ${MAX_ACTION_USER_IDS} are allowed per request.`,
      );
    }
    const ids = [...new Set(userIds.map((id) => id.toLowerCase()))];
    const unknown = ids.filter((id) => !this.riskyUsers.get(id));
    if (unknown.length > 0) {
      throw new GraphError(
        404,
        "ResourceNotFound",
        `Could not find risky users with ids: ${unknown.join(", ")}. Only users in riskyUsers can be ${action === "dismiss" ? "dismissed" : "confirmed"}.`,
      );
    }
    const effect = ACTION_EFFECTS[action];
    const stamp = toGraphDateTime(now);
    for (const id of ids) {
      const user = this.riskyUsers.get(id)!;
      const history = this.history(id)!;
      Object.assign(user, effect, { riskLastUpdatedDateTime: stamp, isProcessing: false });
      history.push({
        id: randomUUID(),
        isDeleted: user.isDeleted,
        isProcessing: false,
        riskLastUpdatedDateTime: stamp,
        ...effect,
        userDisplayName: user.userDisplayName,
        userPrincipalName: user.userPrincipalName,
        userId: user.id,
        initiatedBy: actorId,
        activity: { riskEventTypes: [], detail: effect.riskDetail },
      });
    }
    this.riskyUsers.changed();
  }

  /**
   * Loads a Graph response body from Microsoft's docs as-is: every item (from `value` or the body itself)
   * goes where its `@odata.type` says. History items attach to their `userId` when that is a risky user,
   * else to `historyOwner`. Returns how many items were loaded.
   */
  loadExample(body: unknown, historyOwner?: string): number {
    const items = exampleItems(body);
    let loaded = 0;
    for (const item of items) {
      const type = String(item["@odata.type"] ?? "").replace(/^#/, "");
      if (typeof item.id !== "string") continue;
      if (type === "microsoft.graph.riskyUser") {
        this.riskyUsers.add(item as RiskyUserRecord);
      } else if (type === "microsoft.graph.riskDetection") {
        this.detections.add(item as DetectionRecord);
      } else if (type === "microsoft.graph.riskyUserHistoryItem") {
        const owner = [item.userId, historyOwner].find(
          (id) => typeof id === "string" && this.riskyUsers.get(id),
        );
        if (owner === undefined) continue;
        const history = this.history(owner as string)!;
        const at = history.findIndex((existing) => existing.id === item.id);
        if (at >= 0) history[at] = item as HistoryItemRecord;
        else history.push(item as HistoryItemRecord);
      } else {
        continue;
      }
      loaded += 1;
    }
    return loaded;
  }
}

function exampleItems(body: unknown): GraphRecord[] {
  if (!body || typeof body !== "object") return [];
  const value = (body as { value?: unknown }).value;
  const raw = value === undefined ? [body] : Array.isArray(value) ? value : [value];
  return raw.filter(
    (item): item is GraphRecord => !!item && typeof item === "object" && !Array.isArray(item),
  );
}
