/**
 * The Graph workloads the integrations' connectivity tests touch, beyond Identity Protection: groups (one
 * of them a team), teams, mail messages, security alerts (v2), Intune managed devices, applications and
 * service principals. Entity types are data, as in entities.ts; records are derived from the tenant and
 * its directory only, so the same directory always serves the same objects.
 */
import { createHash } from "node:crypto";
import type { AppRegistrationRecord, ResourceApiRecord, TenantRecord, UserRecord } from "../contracts.ts";
import type { EntityType, FieldType } from "./entities.ts";

const STRING: FieldType = { kind: "string" };
const BOOLEAN: FieldType = { kind: "boolean" };
const DATE: FieldType = { kind: "dateTime" };
const OBJECT: FieldType = { kind: "object" };

/** When the emulator's fixed objects were "created". */
const CREATED = "2024-01-01T00:00:00Z";

export type GraphObject = Record<string, unknown> & { id: string };

/** A stable GUID for a name within a tenant. */
export function stableId(...parts: string[]): string {
  const hex = createHash("sha256").update(parts.join("\u0000").toLowerCase()).digest("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-9${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function entityType(typeName: string, fields: Record<string, FieldType>, filterable: string[]): EntityType {
  return { typeName, fields, filterable: new Set(filterable), orderable: ["displayName"] };
}

export const GROUP = entityType(
  "microsoft.graph.group",
  {
    id: STRING,
    createdDateTime: DATE,
    description: STRING,
    displayName: STRING,
    groupTypes: OBJECT,
    mail: STRING,
    mailEnabled: BOOLEAN,
    mailNickname: STRING,
    resourceProvisioningOptions: OBJECT,
    securityEnabled: BOOLEAN,
    visibility: STRING,
  },
  ["id", "displayName", "mail", "mailNickname", "mailEnabled", "securityEnabled"],
);

export const TEAM = entityType(
  "microsoft.graph.team",
  {
    id: STRING,
    createdDateTime: DATE,
    displayName: STRING,
    description: STRING,
    isArchived: BOOLEAN,
    visibility: STRING,
  },
  ["id", "displayName"],
);

export const MESSAGE: EntityType = {
  ...entityType(
    "microsoft.graph.message",
    {
      id: STRING,
      createdDateTime: DATE,
      receivedDateTime: DATE,
      subject: STRING,
      bodyPreview: STRING,
      importance: STRING,
      isRead: BOOLEAN,
      hasAttachments: BOOLEAN,
      from: OBJECT,
      toRecipients: OBJECT,
    },
    ["id", "subject", "isRead", "importance", "hasAttachments"],
  ),
  orderable: ["receivedDateTime", "subject"],
};

export const ALERT_V2: EntityType = {
  ...entityType(
    "microsoft.graph.security.alert",
    {
      id: STRING,
      providerAlertId: STRING,
      incidentId: STRING,
      status: STRING,
      severity: STRING,
      classification: STRING,
      determination: STRING,
      serviceSource: STRING,
      detectionSource: STRING,
      title: STRING,
      description: STRING,
      category: STRING,
      tenantId: STRING,
      createdDateTime: DATE,
      lastUpdateDateTime: DATE,
    },
    ["id", "status", "severity", "serviceSource", "detectionSource", "title", "category"],
  ),
  orderable: ["createdDateTime", "lastUpdateDateTime"],
};

export const MANAGED_DEVICE: EntityType = {
  ...entityType(
    "microsoft.graph.managedDevice",
    {
      id: STRING,
      deviceName: STRING,
      userId: STRING,
      userPrincipalName: STRING,
      operatingSystem: STRING,
      osVersion: STRING,
      complianceState: STRING,
      managementAgent: STRING,
      enrolledDateTime: DATE,
      lastSyncDateTime: DATE,
    },
    ["id", "deviceName", "operatingSystem", "complianceState", "userPrincipalName"],
  ),
  orderable: ["deviceName"],
};

export const APPLICATION = entityType(
  "microsoft.graph.application",
  {
    id: STRING,
    appId: STRING,
    displayName: STRING,
    createdDateTime: DATE,
    signInAudience: STRING,
    publisherDomain: STRING,
  },
  ["id", "appId", "displayName"],
);

export const SERVICE_PRINCIPAL = entityType(
  "microsoft.graph.servicePrincipal",
  {
    id: STRING,
    appId: STRING,
    displayName: STRING,
    accountEnabled: BOOLEAN,
    servicePrincipalType: STRING,
    appOwnerOrganizationId: STRING,
    servicePrincipalNames: OBJECT,
  },
  ["id", "appId", "displayName", "servicePrincipalType"],
);

const GROUPS = [
  { name: "Security Operations", nickname: "secops", team: true, security: true, unified: true },
  { name: "Incident Responders", nickname: "responders", team: false, security: true, unified: false },
  { name: "All Company", nickname: "allcompany", team: false, security: false, unified: true },
] as const;

export function groupsOf(tenant: TenantRecord): GraphObject[] {
  return GROUPS.map((group) => ({
    id: stableId(tenant.id, "group", group.name),
    createdDateTime: CREATED,
    description: `${group.name} (entrakit emulator)`,
    displayName: group.name,
    groupTypes: group.unified ? ["Unified"] : [],
    mail: group.unified ? `${group.nickname}@${tenant.domain}` : null,
    mailEnabled: group.unified,
    mailNickname: group.nickname,
    resourceProvisioningOptions: group.team ? ["Team"] : [],
    securityEnabled: group.security,
    visibility: group.unified ? "Private" : null,
  }));
}

export function teamsOf(tenant: TenantRecord): GraphObject[] {
  return groupsOf(tenant)
    .filter((group) => (group.resourceProvisioningOptions as string[]).includes("Team"))
    .map((group) => ({
      id: group.id,
      createdDateTime: CREATED,
      displayName: group.displayName,
      description: group.description,
      isArchived: false,
      visibility: "private",
    }));
}

const SUBJECTS = ["Quarterly security review", "Suspicious sign-in report", "Welcome to the SOC"];

/** Three messages per mailbox, newest first by receivedDateTime. */
export function messagesOf(user: UserRecord): GraphObject[] {
  const address = user.mail ?? user.userPrincipalName;
  return SUBJECTS.map((subject, index) => {
    const received = `2024-01-0${index + 2}T09:00:00Z`;
    return {
      id: Buffer.from(stableId(user.id, "message", subject)).toString("base64url"),
      createdDateTime: received,
      receivedDateTime: received,
      subject,
      bodyPreview: `${subject}: a message of the entrakit emulator.`,
      importance: index === 1 ? "high" : "normal",
      isRead: index === 0,
      hasAttachments: false,
      from: { emailAddress: { name: "Security Team", address: `security@${address.split("@")[1]}` } },
      toRecipients: [{ emailAddress: { name: user.displayName, address } }],
    };
  });
}

const ALERTS = [
  {
    title: "Suspicious PowerShell command line",
    severity: "high",
    category: "Execution",
    source: "microsoftDefenderForEndpoint",
  },
  {
    title: "Impossible travel activity",
    severity: "medium",
    category: "InitialAccess",
    source: "microsoftDefenderForCloudApps",
  },
  {
    title: "Anonymous IP address",
    severity: "low",
    category: "InitialAccess",
    source: "azureAdIdentityProtection",
  },
] as const;

export function alertsOf(tenant: TenantRecord): GraphObject[] {
  return ALERTS.map((alert, index) => {
    const created = `2024-01-0${index + 2}T10:00:00Z`;
    const id = stableId(tenant.id, "alert", alert.title);
    return {
      id,
      providerAlertId: id.slice(0, 8),
      incidentId: String(1000 + index),
      status: "new",
      severity: alert.severity,
      classification: null,
      determination: null,
      serviceSource: alert.source,
      detectionSource: alert.source,
      title: alert.title,
      description: `${alert.title} (entrakit emulator).`,
      category: alert.category,
      tenantId: tenant.id,
      createdDateTime: created,
      lastUpdateDateTime: created,
    };
  });
}

/** One Windows laptop per directory user. */
export function managedDevicesOf(users: readonly UserRecord[]): GraphObject[] {
  return users.map((user) => ({
    id: stableId(user.id, "device"),
    deviceName: `LAPTOP-${user.userPrincipalName.split("@")[0]!.toUpperCase()}`,
    userId: user.id,
    userPrincipalName: user.userPrincipalName,
    operatingSystem: "Windows",
    osVersion: "10.0.22631.3007",
    complianceState: "compliant",
    managementAgent: "mdm",
    enrolledDateTime: CREATED,
    lastSyncDateTime: "2024-01-05T08:00:00Z",
  }));
}

export function applicationsOf(tenant: TenantRecord, apps: readonly AppRegistrationRecord[]): GraphObject[] {
  return apps
    .filter((app) => app.homeTenantId.toLowerCase() === tenant.id.toLowerCase())
    .map((app) => ({
      id: app.objectId,
      appId: app.clientId,
      displayName: app.displayName,
      createdDateTime: CREATED,
      signInAudience: app.multiTenant ? "AzureADMultipleOrgs" : "AzureADMyOrg",
      publisherDomain: tenant.domain,
    }));
}

/** The tenant's own apps plus the Microsoft APIs every tenant has a service principal for. */
export function servicePrincipalsOf(
  tenant: TenantRecord,
  apps: readonly AppRegistrationRecord[],
  apis: readonly ResourceApiRecord[],
): GraphObject[] {
  const own = apps.map((app) => ({
    id: stableId(tenant.id, "servicePrincipal", app.clientId),
    appId: app.clientId,
    displayName: app.displayName,
    accountEnabled: true,
    servicePrincipalType: "Application",
    appOwnerOrganizationId: app.homeTenantId,
    servicePrincipalNames: [app.clientId],
  }));
  const microsoft = apis.map((api) => ({
    id: stableId(tenant.id, "servicePrincipal", api.appId),
    appId: api.appId,
    displayName: api.displayName,
    accountEnabled: true,
    servicePrincipalType: "Application",
    appOwnerOrganizationId: "f8cdef31-a31e-4b4a-93e4-5f571e91255a",
    servicePrincipalNames: [api.appId, ...api.identifierUris],
  }));
  return [...own, ...microsoft];
}
