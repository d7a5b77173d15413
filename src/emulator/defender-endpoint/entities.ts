/**
 * Defender for Endpoint's alert and machine entities as data: every property in the API's output order,
 * the value sets of its enumerations, and which properties `$filter` accepts. The OData filter compiler of
 * the Graph module reads these tables (Defender speaks the same OData subset), so the module never
 * branches per property.
 */
import type { EntityType, FieldType } from "../graph/entities.ts";

export const ALERT_SEVERITIES = ["UnSpecified", "Informational", "Low", "Medium", "High"] as const;
export const ALERT_STATUSES = ["Unknown", "New", "InProgress", "Resolved"] as const;
export const ALERT_CATEGORIES = [
  "CommandAndControl",
  "CredentialAccess",
  "DefenseEvasion",
  "Discovery",
  "Execution",
  "Exfiltration",
  "InitialAccess",
  "LateralMovement",
  "Malware",
  "Persistence",
  "PrivilegeEscalation",
  "Ransomware",
  "SuspiciousActivity",
] as const;
export const DETECTION_SOURCES = [
  "WindowsDefenderAv",
  "WindowsDefenderAtp",
  "CustomerTI",
  "AutomatedInvestigation",
] as const;
export const HEALTH_STATUSES = [
  "Active",
  "Inactive",
  "ImpairedCommunication",
  "NoSensorData",
  "NoSensorDataImpairedCommunication",
  "Unknown",
] as const;
export const RISK_SCORES = ["None", "Informational", "Low", "Medium", "High"] as const;
export const EXPOSURE_LEVELS = ["None", "Low", "Medium", "High"] as const;
export const OS_PLATFORMS = [
  "Windows10",
  "Windows11",
  "WindowsServer2019",
  "WindowsServer2022",
  "Linux",
  "macOS",
];

const STRING: FieldType = { kind: "string" };
const BOOLEAN: FieldType = { kind: "boolean" };
const DATE: FieldType = { kind: "dateTime" };
const OBJECT: FieldType = { kind: "object" };
const enumOf = (type: string, members: readonly string[]): FieldType => ({ kind: "enum", type, members });

export const ALERT: EntityType = {
  typeName: "microsoft.windowsDefenderATP.api.PublicAlertV2",
  fields: {
    id: STRING,
    incidentId: STRING,
    investigationId: STRING,
    assignedTo: STRING,
    severity: enumOf("microsoft.windowsDefenderATP.api.AlertSeverity", ALERT_SEVERITIES),
    status: enumOf("microsoft.windowsDefenderATP.api.AlertStatus", ALERT_STATUSES),
    classification: STRING,
    determination: STRING,
    investigationState: STRING,
    detectionSource: STRING,
    detectorId: STRING,
    category: enumOf("microsoft.windowsDefenderATP.api.AlertCategory", ALERT_CATEGORIES),
    threatFamilyName: STRING,
    title: STRING,
    description: STRING,
    alertCreationTime: DATE,
    firstEventTime: DATE,
    lastEventTime: DATE,
    lastUpdateTime: DATE,
    resolvedTime: DATE,
    machineId: STRING,
    computerDnsName: STRING,
    rbacGroupName: STRING,
    aadTenantId: STRING,
    threatName: STRING,
    mitreTechniques: OBJECT,
    relatedUser: OBJECT,
    comments: OBJECT,
    evidence: OBJECT,
  },
  // The properties Microsoft documents as filterable on GET /api/alerts.
  filterable: new Set([
    "id",
    "incidentId",
    "investigationId",
    "assignedTo",
    "severity",
    "status",
    "category",
    "detectionSource",
    "alertCreationTime",
    "lastUpdateTime",
    "lastEventTime",
  ]),
  orderable: [],
};

export const MACHINE: EntityType = {
  typeName: "microsoft.windowsDefenderATP.api.PublicMachine",
  fields: {
    id: STRING,
    computerDnsName: STRING,
    firstSeen: DATE,
    lastSeen: DATE,
    osPlatform: STRING,
    osProcessor: STRING,
    version: STRING,
    osBuild: STRING,
    lastIpAddress: STRING,
    lastExternalIpAddress: STRING,
    agentVersion: STRING,
    healthStatus: enumOf("microsoft.windowsDefenderATP.api.HealthStatus", HEALTH_STATUSES),
    onboardingStatus: STRING,
    deviceValue: STRING,
    rbacGroupId: STRING,
    rbacGroupName: STRING,
    riskScore: enumOf("microsoft.windowsDefenderATP.api.RiskScore", RISK_SCORES),
    exposureLevel: enumOf("microsoft.windowsDefenderATP.api.ExposureLevel", EXPOSURE_LEVELS),
    isAadJoined: BOOLEAN,
    aadDeviceId: STRING,
    machineTags: OBJECT,
    ipAddresses: OBJECT,
  },
  // The properties Microsoft documents as filterable on GET /api/machines.
  filterable: new Set([
    "id",
    "computerDnsName",
    "lastSeen",
    "healthStatus",
    "osPlatform",
    "onboardingStatus",
    "lastIpAddress",
    "riskScore",
    "exposureLevel",
    "rbacGroupId",
    "aadDeviceId",
  ]),
  orderable: [],
};
