/**
 * The deterministic data generator: risky users with names and UPNs on the tenant's domain, risk states,
 * levels and details drawn from plausible distributions, and risk detections (types, IPs, locations,
 * timestamps in a window ending at `anchor`) that belong to those users. The same seed, tenant and anchor
 * always give the same data; nothing reads the clock or `Math.random`.
 */
import type { GraphRecord, HistoryItemRecord, RiskyUserRecord } from "./entities.ts";
import { toGraphDateTime } from "./entities.ts";
import {
  AT_RISK_LEVEL_WEIGHTS,
  DETAIL_BY_STATE,
  DETECTION_LEVEL_WEIGHTS,
  DETECTION_TYPES,
  FIRST_NAMES,
  LAST_NAMES,
  LOCATIONS,
  RISK_STATE_WEIGHTS,
  USER_AGENTS,
  type Weighted,
} from "./generator-tables.ts";

export interface GeneratorInput {
  seed: number;
  tenantId: string;
  domain: string;
  riskyUsers: number;
  detections: number;
  /** End of the data window (ms since the epoch); timestamps fall in the `windowDays` before it. */
  anchor: number;
  windowDays: number;
  /** Directory users that become the first risky users, so their real ids and UPNs are risky too. */
  directoryUsers?: ReadonlyArray<{ id: string; userPrincipalName: string; displayName: string }>;
}

export interface DetectionRecord extends GraphRecord {
  id: string;
  userId: string;
  detectedDateTime: string;
}

export interface GeneratedData {
  riskyUsers: RiskyUserRecord[];
  detections: DetectionRecord[];
}

const DAY_MS = 86_400_000;

/** sfc32: small, fast, and good enough for test data; seeded through a string hash. */
export class Random {
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  constructor(seedText: string) {
    let h = 1779033703 ^ seedText.length;
    for (let i = 0; i < seedText.length; i++) {
      h = Math.imul(h ^ seedText.charCodeAt(i), 3432918353);
      h = (h << 13) | (h >>> 19);
    }
    const next = () => {
      h = Math.imul(h ^ (h >>> 16), 2246822507);
      h = Math.imul(h ^ (h >>> 13), 3266489909);
      h ^= h >>> 16;
      return h >>> 0;
    };
    this.#a = next();
    this.#b = next();
    this.#c = next();
    this.#d = next();
    for (let i = 0; i < 12; i++) this.u32();
  }

  u32(): number {
    const t = (((this.#a + this.#b) | 0) + this.#d) | 0;
    this.#d = (this.#d + 1) | 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) | 0;
    this.#c = (this.#c << 21) | (this.#c >>> 11);
    this.#c = (this.#c + t) | 0;
    return t >>> 0;
  }

  /** [0, 1). */
  next(): number {
    return this.u32() / 4294967296;
  }

  int(maxExclusive: number): number {
    return Math.floor(this.next() * maxExclusive);
  }

  pick<T>(items: ReadonlyArray<T>): T {
    return items[this.int(items.length)]!;
  }

  weighted<T>(table: Weighted<T>): T {
    let total = 0;
    for (const [, weight] of table) total += weight;
    let roll = this.next() * total;
    for (const [value, weight] of table) {
      roll -= weight;
      if (roll < 0) return value;
    }
    return table[table.length - 1]![0];
  }

  /** A version-4-shaped GUID. */
  guid(): string {
    const a = this.u32();
    const b = this.u32();
    const c = this.u32();
    const d = this.u32();
    return (
      `${hex8(a)}-${HEX[(b >>> 24) & 255]}${HEX[(b >>> 16) & 255]}-4${HEX[(b >>> 8) & 255]!.slice(1)}${HEX[b & 255]}-` +
      `${"89ab"[c >>> 30]}${HEX[(c >>> 16) & 255]!.slice(1)}${HEX[(c >>> 8) & 255]}-${HEX[c & 255]}${HEX[(d >>> 24) & 255]}${hex8((d << 8) | (a & 255))}`
    );
  }
}

/** Two hex digits per byte value: building GUIDs from a table is several times faster than toString(16). */
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

function hex8(n: number): string {
  return HEX[(n >>> 24) & 255]! + HEX[(n >>> 16) & 255]! + HEX[(n >>> 8) & 255]! + HEX[n & 255]!;
}

export function generate(input: GeneratorInput): GeneratedData {
  const random = new Random(`${input.seed}:${input.tenantId.toLowerCase()}`);
  const windowMs = input.windowDays * DAY_MS;
  const domain = input.domain.toLowerCase();
  const usedUpns = new Set<string>();
  // Next free numeric suffix per name, so a common name costs one lookup instead of a scan.
  const nextSuffix = new Map<string, number>();
  const riskyUsers: RiskyUserRecord[] = [];
  const directoryUsers = input.directoryUsers ?? [];
  for (let i = 0; i < input.riskyUsers; i++) {
    const known = directoryUsers[i];
    let id: string;
    let upn: string;
    let name: string;
    if (known) {
      id = known.id;
      upn = known.userPrincipalName;
      name = known.displayName;
    } else {
      id = random.guid();
      const first = random.pick(FIRST_NAMES);
      const last = random.pick(LAST_NAMES);
      name = `${first} ${last}`;
      const base = `${first}.${last}`.toLowerCase();
      upn = `${base}@${domain}`;
      let n = nextSuffix.get(base) ?? 2;
      while (usedUpns.has(upn)) upn = `${base}${n++}@${domain}`;
      nextSuffix.set(base, n);
    }
    usedUpns.add(upn.toLowerCase());
    const riskState = random.weighted(RISK_STATE_WEIGHTS);
    const riskLevel =
      riskState === "atRisk"
        ? random.weighted(AT_RISK_LEVEL_WEIGHTS)
        : riskState === "confirmedCompromised"
          ? "high"
          : "none";
    const riskDetail = random.weighted(DETAIL_BY_STATE[riskState]!);
    // Recent activity is more common than old: square a uniform draw to skew towards the anchor.
    const age = Math.floor(random.next() ** 2 * windowMs);
    riskyUsers.push({
      id,
      isDeleted: random.next() < 0.01,
      isProcessing: random.next() < 0.005,
      riskLastUpdatedDateTime: toGraphDateTime(input.anchor - age, random.int(10_000)),
      riskLevel,
      riskState,
      riskDetail,
      userDisplayName: name,
      userPrincipalName: upn,
    });
  }
  const detections: DetectionRecord[] = [];
  const windowStart = input.anchor - windowMs;
  const additionalInfo = USER_AGENTS.map((agent) => JSON.stringify([{ Key: "userAgent", Value: agent }]));
  const locations = LOCATIONS.map(([city, state, countryOrRegion, latitude, longitude]) => ({
    city,
    state,
    countryOrRegion,
    geoCoordinates: { latitude, longitude },
  }));
  const typeTable: Weighted<number> = DETECTION_TYPES.map((row, index) => [index, row[1]] as const);
  for (let i = 0; i < input.detections && riskyUsers.length > 0; i++) {
    const user = riskyUsers[random.int(riskyUsers.length)]!;
    const [riskEventType, , activity, timing, source] = DETECTION_TYPES[random.weighted(typeTable)]!;
    const userUpdated = Date.parse(user.riskLastUpdatedDateTime);
    const detected = Math.max(windowStart, userUpdated - random.int(7 * DAY_MS));
    const activityAt = detected - (timing === "realtime" ? random.int(60_000) : random.int(2 * DAY_MS));
    const lastUpdated = detected + random.int(Math.max(1, userUpdated - detected));
    const signin = activity === "signin";
    const requestId = signin ? random.guid() : null;
    const location = locations[random.int(locations.length)]!;
    const level = random.weighted(DETECTION_LEVEL_WEIGHTS);
    detections.push({
      id: random.guid(),
      requestId,
      correlationId: signin ? random.guid() : null,
      riskEventType,
      riskState: user.riskState === "none" ? "atRisk" : user.riskState,
      riskLevel: level,
      riskDetail: user.riskDetail,
      source,
      detectionTimingType: timing,
      activity,
      tokenIssuerType: random.next() < 0.03 ? "ADFederationServices" : "AzureAD",
      ipAddress: signin ? publicIpv4(random) : null,
      location: signin ? location : null,
      activityDateTime: toGraphDateTime(activityAt, random.int(10_000)),
      detectedDateTime: toGraphDateTime(detected, random.int(10_000)),
      lastUpdatedDateTime: toGraphDateTime(lastUpdated, random.int(10_000)),
      userId: user.id,
      userDisplayName: user.userDisplayName,
      userPrincipalName: user.userPrincipalName,
      additionalInfo: signin ? additionalInfo[random.int(additionalInfo.length)]! : "[]",
    });
  }
  return { riskyUsers, detections };
}

/** A public-looking IPv4 address (never 10/8, 127/8, 172.16/12, 192.168/16 or multicast). */
function publicIpv4(random: Random): string {
  for (;;) {
    const a = 1 + random.int(223);
    const b = random.int(256);
    if (a === 10 || a === 127 || (a === 172 && b >= 16 && b < 32) || (a === 192 && b === 168) || a === 100)
      continue;
    return `${a}.${b}.${random.int(256)}.${1 + random.int(254)}`;
  }
}

/**
 * The history of a generated user, derived from the user itself so it needs no storage until asked for:
 * the detection that put them at risk and, when the risk ended, the change that ended it.
 */
export function generatedHistory(user: RiskyUserRecord, seed: number, adminId: string): HistoryItemRecord[] {
  const random = new Random(`${seed}:history:${user.id}`);
  const updated = Date.parse(user.riskLastUpdatedDateTime);
  const base = {
    isDeleted: user.isDeleted,
    isProcessing: false,
    userDisplayName: user.userDisplayName,
    userPrincipalName: user.userPrincipalName,
  };
  const types = [random.pick(DETECTION_TYPES)[0]];
  const atRiskAt = Number.isNaN(updated) ? 0 : updated - random.int(14 * DAY_MS);
  const items: HistoryItemRecord[] = [
    {
      id: random.guid(),
      ...base,
      riskLastUpdatedDateTime: toGraphDateTime(atRiskAt, random.int(10_000)),
      riskLevel: user.riskState === "atRisk" ? user.riskLevel : random.weighted(AT_RISK_LEVEL_WEIGHTS),
      riskState: "atRisk",
      riskDetail: "none",
      userId: user.id,
      initiatedBy: null,
      activity: { riskEventTypes: types, detail: "none" },
    },
  ];
  if (user.riskState !== "atRisk" && user.riskState !== "none") {
    const byAdmin = user.riskDetail.startsWith("admin");
    items.push({
      id: random.guid(),
      ...base,
      riskLastUpdatedDateTime: user.riskLastUpdatedDateTime,
      riskLevel: user.riskLevel,
      riskState: user.riskState,
      riskDetail: user.riskDetail,
      userId: user.id,
      initiatedBy: byAdmin ? adminId : user.id,
      activity: { riskEventTypes: [], detail: user.riskDetail },
    });
  }
  return items;
}
