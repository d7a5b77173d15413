/**
 * Microsoft Defender for Endpoint: the first data commands, named, argued and shaped as the reference's
 * MicrosoftDefenderAdvancedThreatProtection integration (`microsoft-atp-*`, context `MicrosoftATP.Alert` and
 * `MicrosoftATP.Machine` keyed by `ID`). The auth (flows, endpoint types, auth commands) comes from the
 * `microsoft-defender-for-endpoint` profile. Data only; the command code is in commands.ts.
 */
import type { ArgumentSpec, CommandSpec, OutputPath, OutputSchema } from "../types.ts";

export const PROFILE_ID = "microsoft-defender-for-endpoint";
export const PREFIX = "microsoft-atp";
export const CONTEXT_ROOT = "MicrosoftATP";
export const ALERT_PREFIX = `${CONTEXT_ROOT}.Alert`;
export const MACHINE_PREFIX = `${CONTEXT_ROOT}.Machine`;
/** The reference's `INTEGRATION_NAME`, which starts its table titles. */
export const TITLE_NAME = "Microsoft Defender ATP";

export const PERMISSION_ALERTS = "Alert.Read.All";
export const PERMISSION_MACHINES = "Machine.Read.All";

/** Microsoft's maximum `$top` for alerts and machines. */
export const MAX_PAGE_SIZE = 10_000;
/** The largest `limit` entrakit walks through nextLinks. */
export const MAX_LIMIT = 100_000;

/** Readable-table columns, in the reference's order. */
export const ALERT_COLUMNS = [
  "ID",
  "Title",
  "Description",
  "IncidentID",
  "Severity",
  "Status",
  "Classification",
  "Category",
  "ThreatFamilyName",
  "MachineID",
] as const;
export const MACHINE_COLUMNS = [
  "ID",
  "ComputerDNSName",
  "OSPlatform",
  "LastIPAddress",
  "LastExternalIPAddress",
  "HealthStatus",
  "RiskScore",
  "ExposureLevel",
] as const;
export const MACHINE_DETAIL_COLUMNS = [...MACHINE_COLUMNS, "IPAddresses"] as const;

/** API property → context field, in the reference's order (`get_alert_data`). */
export const ALERT_FIELDS: ReadonlyArray<readonly [api: string, context: string]> = [
  ["id", "ID"],
  ["incidentId", "IncidentID"],
  ["investigationId", "InvestigationID"],
  ["investigationState", "InvestigationState"],
  ["assignedTo", "AssignedTo"],
  ["severity", "Severity"],
  ["status", "Status"],
  ["classification", "Classification"],
  ["determination", "Determination"],
  ["detectionSource", "DetectionSource"],
  ["category", "Category"],
  ["threatFamilyName", "ThreatFamilyName"],
  ["title", "Title"],
  ["description", "Description"],
  ["alertCreationTime", "AlertCreationTime"],
  ["firstEventTime", "FirstEventTime"],
  ["lastEventTime", "LastEventTime"],
  ["lastUpdateTime", "LastUpdateTime"],
  ["resolvedTime", "ResolvedTime"],
  ["machineId", "MachineID"],
  ["computerDnsName", "ComputerDNSName"],
  ["aadTenantId", "AADTenantID"],
  ["comments", "Comments"],
  ["evidence", "Evidence"],
  ["detectorId", "DetectorID"],
  ["threatName", "ThreatName"],
  ["relatedUser", "RelatedUser"],
  ["mitreTechniques", "MitreTechniques"],
  ["rbacGroupName", "RBACGroupName"],
];

/** API property → context field (`get_machine_data`); `version` is the reference's OSVersion. */
export const MACHINE_FIELDS: ReadonlyArray<readonly [api: string, context: string]> = [
  ["id", "ID"],
  ["computerDnsName", "ComputerDNSName"],
  ["firstSeen", "FirstSeen"],
  ["lastSeen", "LastSeen"],
  ["osPlatform", "OSPlatform"],
  ["version", "OSVersion"],
  ["osProcessor", "OSProcessor"],
  ["lastIpAddress", "LastIPAddress"],
  ["lastExternalIpAddress", "LastExternalIPAddress"],
  ["agentVersion", "AgentVersion"],
  ["osBuild", "OSBuild"],
  ["healthStatus", "HealthStatus"],
  ["rbacGroupId", "RBACGroupID"],
  ["rbacGroupName", "RBACGroupName"],
  ["riskScore", "RiskScore"],
  ["exposureLevel", "ExposureLevel"],
  ["aadDeviceId", "AADDeviceID"],
  ["isAadJoined", "IsAADJoined"],
  ["machineTags", "MachineTags"],
  ["ipAddresses", "IPAddresses"],
];

const SEVERITIES = ["Informational", "Low", "Medium", "High"] as const;
const STATUSES = ["New", "InProgress", "Resolved"] as const;
const RISK_SCORES = ["None", "Informational", "Low", "Medium", "High"] as const;
const HEALTH_STATUSES = [
  "Active",
  "Inactive",
  "ImpairedCommunication",
  "NoSensorData",
  "NoSensorDataImpairedCommunication",
  "Unknown",
] as const;

const alertPaths: readonly OutputPath[] = [
  { path: "ID", type: "String", description: "The alert ID." },
  { path: "IncidentID", type: "Number", description: "The incident ID of the alert." },
  { path: "InvestigationID", type: "Number", description: "The investigation ID related to the alert." },
  { path: "InvestigationState", type: "String", description: "The current state of the investigation." },
  { path: "AssignedTo", type: "String", description: "The owner of the alert." },
  { path: "Severity", type: "String", description: "Severity: Informational, Low, Medium or High." },
  { path: "Status", type: "String", description: "Status: New, InProgress or Resolved." },
  { path: "Classification", type: "String", description: "Alert classification." },
  { path: "Determination", type: "String", description: "Alert determination." },
  { path: "DetectionSource", type: "String", description: "The detection source." },
  { path: "Category", type: "String", description: "The category of the alert." },
  { path: "ThreatFamilyName", type: "String", description: "The threat family name." },
  { path: "Title", type: "String", description: "The alert title." },
  { path: "Description", type: "String", description: "The alert description." },
  { path: "AlertCreationTime", type: "Date", description: "When the alert was first created." },
  { path: "FirstEventTime", type: "Date", description: "The first event that triggered the alert." },
  { path: "LastEventTime", type: "Date", description: "The last event that triggered the alert." },
  { path: "LastUpdateTime", type: "Date", description: "When the alert was last updated." },
  { path: "ResolvedTime", type: "Date", description: "When the alert was resolved." },
  { path: "MachineID", type: "String", description: "The ID of the machine the alert is about." },
  { path: "ComputerDNSName", type: "String", description: "The machine's DNS name." },
  { path: "AADTenantID", type: "String", description: "The Microsoft Entra tenant ID." },
  { path: "Comments.Comment", type: "String", description: "A comment on the alert." },
  { path: "Comments.CreatedBy", type: "String", description: "Who wrote the comment." },
  { path: "Comments.CreatedTime", type: "Date", description: "When the comment was written." },
  { path: "Evidence", type: "Unknown", description: "The alert's evidence." },
  { path: "DetectorID", type: "String", description: "The ID of the detector that raised the alert." },
  { path: "ThreatName", type: "String", description: "The threat name." },
  { path: "RelatedUser", type: "Unknown", description: "The user related to the alert." },
  { path: "MitreTechniques", type: "Unknown", description: "MITRE ATT&CK technique ids." },
  { path: "RBACGroupName", type: "String", description: "The device group of the machine." },
];

const machinePaths: readonly OutputPath[] = [
  { path: "ID", type: "String", description: "The machine ID." },
  { path: "ComputerDNSName", type: "String", description: "The machine's DNS name." },
  { path: "FirstSeen", type: "Date", description: "When the machine was first seen." },
  { path: "LastSeen", type: "Date", description: "When the machine was last seen." },
  { path: "OSPlatform", type: "String", description: "The operating system platform." },
  { path: "OSVersion", type: "String", description: "The operating system version." },
  { path: "OSProcessor", type: "String", description: "The operating system processor." },
  { path: "LastIPAddress", type: "String", description: "The last IP address on the machine." },
  { path: "LastExternalIPAddress", type: "String", description: "The machine's last external IP address." },
  { path: "AgentVersion", type: "String", description: "The Defender sensor version." },
  { path: "OSBuild", type: "Number", description: "The operating system build." },
  { path: "HealthStatus", type: "String", description: "The machine's health status." },
  { path: "RBACGroupID", type: "Number", description: "The machine's device group ID." },
  { path: "RBACGroupName", type: "String", description: "The machine's device group name." },
  { path: "RiskScore", type: "String", description: "The machine's risk score." },
  { path: "ExposureLevel", type: "String", description: "The machine's exposure level." },
  { path: "AADDeviceID", type: "String", description: "The Microsoft Entra device ID." },
  { path: "IsAADJoined", type: "Boolean", description: "Whether the machine is Microsoft Entra joined." },
  { path: "MachineTags", type: "String", description: "The machine's tags." },
  { path: "IPAddresses", type: "Unknown", description: "The machine's IP addresses with MAC and type." },
];

const alertOutputs: OutputSchema = { prefix: ALERT_PREFIX, key: "ID", paths: alertPaths };
const machineOutputs: OutputSchema = { prefix: MACHINE_PREFIX, key: "ID", paths: machinePaths };

const limitArg: ArgumentSpec = {
  name: "limit",
  description: "The maximum number of results to return (nextLinks are followed past one page).",
  type: "integer",
  default: "50",
  range: { min: 1, max: MAX_LIMIT },
};

export const COMMANDS: readonly CommandSpec[] = [
  {
    name: "microsoft-atp-list-alerts",
    description: "Retrieves a collection of alerts present in Microsoft Defender ATP.",
    effect: "read",
    permission: PERMISSION_ALERTS,
    args: [
      { name: "severity", description: "Alert severity to filter by.", predefined: SEVERITIES },
      { name: "status", description: "Alert status to filter by.", predefined: STATUSES },
      { name: "category", description: "Alert category to filter by, e.g. Malware or CredentialAccess." },
      {
        name: "creation_time",
        description: 'Alerts created at or after this time, e.g. "2024-02-27T04:49:26Z" or "3 days".',
        type: "date",
      },
      limitArg,
    ],
    outputs: [alertOutputs],
  },
  {
    name: "microsoft-atp-get-alert-by-id",
    description: "Retrieves specific alerts by their IDs.",
    effect: "read",
    permission: PERMISSION_ALERTS,
    args: [{ name: "alert_ids", description: "Alert IDs, comma-separated.", type: "list", required: true }],
    outputs: [alertOutputs],
  },
  {
    name: "microsoft-atp-get-machines",
    description: "Retrieves the machines that have communicated with Microsoft Defender for Endpoint.",
    effect: "read",
    permission: PERMISSION_MACHINES,
    args: [
      {
        name: "hostname",
        description: "Computer DNS names, comma-separated (any of them matches).",
        type: "list",
      },
      { name: "ip", description: "The machine's last IP address." },
      { name: "risk_score", description: "Machine risk score to filter by.", predefined: RISK_SCORES },
      {
        name: "health_status",
        description: "Machine health status to filter by.",
        predefined: HEALTH_STATUSES,
      },
      { name: "os_platform", description: "Operating system platform, e.g. Windows10." },
      limitArg,
    ],
    outputs: [machineOutputs],
  },
  {
    name: "microsoft-atp-get-machine-details",
    description: "Retrieves specific machines by their IDs.",
    effect: "read",
    permission: PERMISSION_MACHINES,
    args: [
      { name: "machine_id", description: "Machine IDs, comma-separated.", type: "list", required: true },
    ],
    outputs: [machineOutputs],
  },
];
