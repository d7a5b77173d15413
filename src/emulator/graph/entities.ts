/**
 * The Identity Protection entity types as data: their properties in Graph's output order, the OData type
 * of each (what `$filter` literals are checked against), and which properties `$filter` and `$orderby`
 * accept. Everything else in the Graph module reads these tables instead of branching per resource.
 */

export type FieldType =
  | { kind: "string" }
  | { kind: "boolean" }
  | { kind: "dateTime" }
  | { kind: "enum"; type: string; members: readonly string[] }
  | { kind: "object" };

export const RISK_LEVELS = ["low", "medium", "high", "hidden", "none", "unknownFutureValue"] as const;
export const RISK_STATES = [
  "none",
  "confirmedSafe",
  "remediated",
  "dismissed",
  "atRisk",
  "confirmedCompromised",
  "unknownFutureValue",
] as const;
export const RISK_DETAILS = [
  "none",
  "adminGeneratedTemporaryPassword",
  "userPerformedSecuredPasswordChange",
  "userPerformedSecuredPasswordReset",
  "adminConfirmedSigninSafe",
  "aiConfirmedSigninSafe",
  "userPassedMFADrivenByRiskBasedPolicy",
  "adminDismissedAllRiskForUser",
  "adminConfirmedSigninCompromised",
  "hidden",
  "adminConfirmedUserCompromised",
  "unknownFutureValue",
] as const;
export const DETECTION_TIMING_TYPES = [
  "notDefined",
  "realtime",
  "nearRealtime",
  "offline",
  "unknownFutureValue",
];
export const ACTIVITY_TYPES = ["signin", "user", "unknownFutureValue"];
export const TOKEN_ISSUER_TYPES = ["AzureAD", "ADFederationServices", "UnknownFutureValue"];

export type RiskLevel = (typeof RISK_LEVELS)[number];
export type RiskState = (typeof RISK_STATES)[number];
export type RiskDetail = (typeof RISK_DETAILS)[number];

const STRING: FieldType = { kind: "string" };
const BOOLEAN: FieldType = { kind: "boolean" };
const DATE: FieldType = { kind: "dateTime" };
const OBJECT: FieldType = { kind: "object" };
const riskLevel: FieldType = { kind: "enum", type: "microsoft.graph.riskLevel", members: RISK_LEVELS };
const riskState: FieldType = { kind: "enum", type: "microsoft.graph.riskState", members: RISK_STATES };
const riskDetail: FieldType = { kind: "enum", type: "microsoft.graph.riskDetail", members: RISK_DETAILS };
const timing: FieldType = {
  kind: "enum",
  type: "microsoft.graph.riskDetectionTimingType",
  members: DETECTION_TIMING_TYPES,
};
const activity: FieldType = { kind: "enum", type: "microsoft.graph.activityType", members: ACTIVITY_TYPES };
const issuer: FieldType = {
  kind: "enum",
  type: "microsoft.graph.tokenIssuerType",
  members: TOKEN_ISSUER_TYPES,
};

export interface EntityType {
  /** Full OData type name, used in error messages as Graph words them. */
  typeName: string;
  fields: Readonly<Record<string, FieldType>>;
  filterable: ReadonlySet<string>;
  /** Properties `$orderby` accepts (asc or desc); anything else is a 400. */
  orderable: readonly string[];
}

export const RISKY_USER: EntityType = {
  typeName: "microsoft.graph.riskyUser",
  fields: {
    id: STRING,
    isDeleted: BOOLEAN,
    isProcessing: BOOLEAN,
    riskLastUpdatedDateTime: DATE,
    riskLevel,
    riskState,
    riskDetail,
    userDisplayName: STRING,
    userPrincipalName: STRING,
  },
  filterable: new Set([
    "id",
    "isDeleted",
    "isProcessing",
    "riskLastUpdatedDateTime",
    "riskLevel",
    "riskState",
    "riskDetail",
    "userDisplayName",
    "userPrincipalName",
  ]),
  orderable: ["riskLastUpdatedDateTime"],
};

export const RISKY_USER_HISTORY_ITEM: EntityType = {
  typeName: "microsoft.graph.riskyUserHistoryItem",
  fields: { ...RISKY_USER.fields, userId: STRING, initiatedBy: STRING, activity: OBJECT },
  filterable: new Set([...RISKY_USER.filterable, "userId", "initiatedBy"]),
  orderable: ["riskLastUpdatedDateTime"],
};

export const RISK_DETECTION: EntityType = {
  typeName: "microsoft.graph.riskDetection",
  fields: {
    id: STRING,
    requestId: STRING,
    correlationId: STRING,
    riskEventType: STRING,
    riskState,
    riskLevel,
    riskDetail,
    source: STRING,
    detectionTimingType: timing,
    activity,
    tokenIssuerType: issuer,
    ipAddress: STRING,
    location: OBJECT,
    activityDateTime: DATE,
    detectedDateTime: DATE,
    lastUpdatedDateTime: DATE,
    userId: STRING,
    userDisplayName: STRING,
    userPrincipalName: STRING,
    additionalInfo: STRING,
  },
  filterable: new Set([
    "id",
    "requestId",
    "correlationId",
    "riskEventType",
    "riskState",
    "riskLevel",
    "riskDetail",
    "source",
    "detectionTimingType",
    "activity",
    "tokenIssuerType",
    "ipAddress",
    "activityDateTime",
    "detectedDateTime",
    "lastUpdatedDateTime",
    "userId",
    "userDisplayName",
    "userPrincipalName",
  ]),
  orderable: ["detectedDateTime"],
};

export const RISK_EVENT_TYPES = [
  "adminConfirmedUserCompromised",
  "anomalousToken",
  "anomalousUserActivity",
  "anonymizedIPAddress",
  "generic",
  "impossibleTravel",
  "investigationsThreatIntelligence",
  "leakedCredentials",
  "maliciousIPAddress",
  "malwareInfectedIPAddress",
  "mcasSuspiciousInboxManipulationRules",
  "newCountry",
  "passwordSpray",
  "riskyIPAddress",
  "suspiciousAPITraffic",
  "suspiciousBrowser",
  "suspiciousInboxForwarding",
  "suspiciousIPAddress",
  "tokenIssuerAnomaly",
  "unfamiliarFeatures",
  "unlikelyTravel",
] as const;

/** A served record: a plain JSON object whose keys are the entity's properties, in output order. */
export type GraphRecord = Record<string, unknown>;

export interface RiskyUserRecord extends GraphRecord {
  id: string;
  isDeleted: boolean;
  isProcessing: boolean;
  riskLastUpdatedDateTime: string;
  riskLevel: string;
  riskState: string;
  riskDetail: string;
  userDisplayName: string;
  userPrincipalName: string;
}

export interface HistoryItemRecord extends GraphRecord {
  id: string;
  userId: string;
  initiatedBy: string | null;
  activity: { riskEventTypes: string[]; detail: string } | Record<string, unknown>;
}

const DAY_MS = 86_400_000;
const TWO_DIGITS = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, "0"));
/** `YYYY-MM-DDT` per day number: generating a million timestamps then allocates no Date objects. */
const dayPrefixes = new Map<number, string>();

/**
 * Graph writes DateTimeOffset values in UTC with seven fractional digits. Keeping every stored value in
 * that fixed-width form makes string comparison equal to time comparison, for filters and ordering.
 * `extraTicks` (0–9999) fills the digits below the millisecond.
 */
export function toGraphDateTime(epochMs: number, extraTicks = 0): string {
  const ms = Math.floor(epochMs);
  const day = Math.floor(ms / DAY_MS);
  let prefix = dayPrefixes.get(day);
  if (prefix === undefined) {
    if (dayPrefixes.size > 100_000) dayPrefixes.clear();
    prefix = new Date(day * DAY_MS).toISOString().slice(0, 11);
    dayPrefixes.set(day, prefix);
  }
  let rest = ms - day * DAY_MS;
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = Math.floor(rest / 1000);
  const fraction = (rest - seconds * 1000) * 10_000 + (extraTicks % 10_000);
  return `${prefix}${TWO_DIGITS[hours]}:${TWO_DIGITS[minutes]}:${TWO_DIGITS[seconds]}.${String(fraction).padStart(7, "0")}Z`;
}
