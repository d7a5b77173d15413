/**
 * Deterministic Defender for Endpoint data for one tenant: machines, then alerts raised on them. The same
 * seed, tenant and anchor always give the same records, so tests can name ids and counts. Dates are
 * stored in the filter compiler's form (UTC, seven fractional digits) so string order is time order.
 */
import { Random } from "../graph/generator.ts";
import {
  ALERT_CATEGORIES,
  ALERT_SEVERITIES,
  ALERT_STATUSES,
  DETECTION_SOURCES,
  EXPOSURE_LEVELS,
  HEALTH_STATUSES,
  OS_PLATFORMS,
  RISK_SCORES,
} from "./entities.ts";

export type DefenderRecord = Record<string, unknown> & { id: string };

export interface DefenderGeneratorInput {
  seed: number;
  tenantId: string;
  /** The tenant's verified domain: machine names live under it. */
  domain: string;
  machines: number;
  alerts: number;
  /** End of the data window, milliseconds since the epoch. */
  anchor: number;
  windowDays: number;
}

export interface DefenderData {
  machines: DefenderRecord[];
  /** Newest first, as the portal lists them. */
  alerts: DefenderRecord[];
}

const DAY_MS = 86_400_000;
const HOST_WORDS = ["fin", "hr", "dev", "ops", "sales", "lab", "dc", "web", "sql", "kiosk"];
const ALERT_TITLES: Readonly<Record<string, readonly string[]>> = {
  CommandAndControl: ["Suspicious connection to a known command-and-control server"],
  CredentialAccess: ["Suspicious access to LSASS service", "Possible credential dumping"],
  DefenseEvasion: ["Tampering with the Defender for Endpoint sensor"],
  Discovery: ["Suspicious account discovery activity"],
  Execution: ["Suspicious PowerShell command line", "Suspicious process executed"],
  Exfiltration: ["Unusual volume of data copied to removable media"],
  InitialAccess: ["Suspicious Office macro behaviour"],
  LateralMovement: ["Suspicious remote service installation"],
  Malware: ["'Mimikatz' hacktool was detected", "'Emotet' malware was prevented"],
  Persistence: ["New scheduled task created by an unusual process"],
  PrivilegeEscalation: ["Suspicious token impersonation"],
  Ransomware: ["Ransomware behaviour detected in the file system"],
  SuspiciousActivity: ["Suspicious sequence of exploration activities"],
};

/** `2026-01-14T10:11:12.1234567Z`: Defender's seven-digit precision. */
function stamp(ms: number, random: Random): string {
  return `${new Date(ms).toISOString().slice(0, 19)}.${String(random.int(10_000_000)).padStart(7, "0")}Z`;
}

function hex(random: Random, length: number): string {
  let out = "";
  while (out.length < length) out += random.u32().toString(16).padStart(8, "0");
  return out.slice(0, length);
}

function ip(random: Random, first: number): string {
  return `${first}.${random.int(256)}.${random.int(256)}.${1 + random.int(254)}`;
}

function machine(random: Random, index: number, input: DefenderGeneratorInput): DefenderRecord {
  const windowMs = input.windowDays * DAY_MS;
  const lastSeen = input.anchor - random.int(Math.min(windowMs, 30 * DAY_MS));
  const firstSeen = lastSeen - random.int(windowMs * 4);
  const platform = random.pick(OS_PLATFORMS);
  const name = `${random.pick(HOST_WORDS)}-${String(index + 1).padStart(4, "0")}.${input.domain}`;
  const lastIp = ip(random, 10);
  return {
    id: hex(random, 40),
    computerDnsName: name,
    firstSeen: stamp(firstSeen, random),
    lastSeen: stamp(lastSeen, random),
    osPlatform: platform,
    osProcessor: platform === "macOS" ? "arm64" : "x64",
    version: platform.startsWith("Windows") ? random.pick(["21H2", "22H2", "23H2", "1809"]) : "",
    osBuild: 17_763 + random.int(9_000),
    lastIpAddress: lastIp,
    lastExternalIpAddress: ip(random, 20 + random.int(180)),
    agentVersion: `10.${8_000 + random.int(800)}.${random.int(30_000)}.1000`,
    healthStatus: random.weighted([
      [HEALTH_STATUSES[0], 70],
      [HEALTH_STATUSES[1], 15],
      [HEALTH_STATUSES[2], 5],
      [HEALTH_STATUSES[3], 5],
      [HEALTH_STATUSES[4], 2],
      [HEALTH_STATUSES[5], 3],
    ]),
    onboardingStatus: "Onboarded",
    deviceValue: random.weighted([
      ["Normal", 85],
      ["High", 10],
      ["Low", 5],
    ]),
    rbacGroupId: 1 + random.int(4),
    rbacGroupName: random.pick(["Servers", "Workstations", "Finance", "Lab"]),
    riskScore: random.weighted([
      [RISK_SCORES[0], 40],
      [RISK_SCORES[1], 10],
      [RISK_SCORES[2], 25],
      [RISK_SCORES[3], 15],
      [RISK_SCORES[4], 10],
    ]),
    exposureLevel: random.pick(EXPOSURE_LEVELS),
    isAadJoined: random.next() < 0.7,
    aadDeviceId: random.guid(),
    machineTags: random.next() < 0.3 ? [random.pick(["VIP", "PCI", "Test"])] : [],
    ipAddresses: [
      {
        ipAddress: lastIp,
        macAddress: hex(random, 12).toUpperCase(),
        type: "Ethernet",
        operationalStatus: "Up",
      },
    ],
  };
}

function alert(random: Random, host: DefenderRecord, input: DefenderGeneratorInput): DefenderRecord {
  const created = input.anchor - random.int(input.windowDays * DAY_MS);
  const firstEvent = created - random.int(3_600_000);
  const category = random.pick(ALERT_CATEGORIES);
  const status = random.weighted([
    [ALERT_STATUSES[1], 45],
    [ALERT_STATUSES[2], 25],
    [ALERT_STATUSES[3], 28],
    [ALERT_STATUSES[0], 2],
  ]);
  const resolved = status === "Resolved";
  const updated = created + random.int(2 * DAY_MS);
  const title = random.pick(ALERT_TITLES[category]!);
  const ticks = 637_000_000_000_000_000 + Math.floor(created / 1000) * 10;
  return {
    id: `da${ticks}_${1_000_000_000 + random.int(1_000_000_000)}`,
    incidentId: 1 + random.int(9_999),
    investigationId: random.next() < 0.6 ? 1 + random.int(99_999) : null,
    assignedTo: status === "New" ? null : `analyst${1 + random.int(5)}@${input.domain}`,
    severity: random.weighted([
      [ALERT_SEVERITIES[1], 15],
      [ALERT_SEVERITIES[2], 35],
      [ALERT_SEVERITIES[3], 35],
      [ALERT_SEVERITIES[4], 15],
    ]),
    status,
    classification: resolved
      ? random.pick(["TruePositive", "FalsePositive", "InformationalExpectedActivity"])
      : null,
    determination: resolved ? random.pick(["Malware", "SecurityTesting", "NotMalicious", "Other"]) : null,
    investigationState: resolved
      ? "Benign"
      : random.pick(["Running", "PendingApproval", "Queued", "Unsupported"]),
    detectionSource: random.pick(DETECTION_SOURCES),
    detectorId: random.guid(),
    category,
    threatFamilyName: category === "Malware" ? random.pick(["Mimikatz", "Emotet", "Qakbot"]) : null,
    title,
    description: `${title} on ${String(host.computerDnsName)}. Review the process tree and the related evidence.`,
    alertCreationTime: stamp(created, random),
    firstEventTime: stamp(firstEvent, random),
    lastEventTime: stamp(created - random.int(60_000), random),
    lastUpdateTime: stamp(Math.min(updated, input.anchor), random),
    resolvedTime: resolved ? stamp(Math.min(updated, input.anchor), random) : null,
    machineId: host.id,
    computerDnsName: host.computerDnsName,
    rbacGroupName: host.rbacGroupName,
    aadTenantId: input.tenantId,
    threatName: category === "Malware" ? "HackTool:Win32/Mimikatz" : null,
    mitreTechniques: [random.pick(["T1003", "T1059.001", "T1105", "T1547.001", "T1021.002"])],
    relatedUser: {
      userName: `user${1 + random.int(200)}`,
      domainName: input.domain.split(".")[0]!.toUpperCase(),
    },
    comments: [],
    evidence: [],
  };
}

export function generateDefenderData(input: DefenderGeneratorInput): DefenderData {
  const random = new Random(`defender-endpoint:${input.seed}:${input.tenantId.toLowerCase()}`);
  const machines = Array.from({ length: input.machines }, (_, index) => machine(random, index, input));
  const alerts =
    machines.length === 0
      ? []
      : Array.from({ length: input.alerts }, () => alert(random, random.pick(machines), input));
  alerts.sort((a, b) => (String(a.alertCreationTime) < String(b.alertCreationTime) ? 1 : -1));
  return { machines, alerts };
}
