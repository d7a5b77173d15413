/**
 * The Microsoft resource APIs the emulator can issue tokens for, as data. The first identifier URI is
 * the canonical one; national-cloud and regional hosts of the same API follow. A `*` in an identifier URI
 * matches one DNS label (Azure Data Explorer clusters), and the token's `aud` is then the requested URI.
 * App ids come from Microsoft's documentation and the integration survey; the ones marked below were not
 * verifiable offline and are emulator placeholders (documented in docs/emulator.md).
 */
import type { ResourceApiRecord } from "./contracts.ts";
import { ARM_APP_ID, DEFENDER_ENDPOINT_APP_ID, GRAPH_APP_ID } from "./well-known.ts";

export const BOT_FRAMEWORK_APP_ID = "c7f0a8b4-2d51-4b3e-9f6a-0e8d1b5c7a92";

/** The first-party tenant that issues Bot Framework tokens (`login.microsoftonline.com/botframework.com`). */
export const BOT_FRAMEWORK_TENANT = {
  id: "d6d49420-f39b-4df7-a1dc-d59a935871db",
  domain: "botframework.com",
  displayName: "Bot Framework (entrakit emulator)",
} as const;

/** A resource API plus the token version it accepts (all first-party Microsoft APIs take v1 tokens). */
export interface ResourceApiDefinition extends ResourceApiRecord {
  accessTokenVersion?: 1 | 2;
}

const GRAPH_PERMISSIONS = [
  "User.Read.All",
  "User.ReadWrite.All",
  "User.ReadBasic.All",
  "Directory.Read.All",
  "Organization.Read.All",
  "Directory.ReadWrite.All",
  "Group.Read.All",
  "Group.ReadWrite.All",
  "GroupMember.Read.All",
  "Application.Read.All",
  "Application.ReadWrite.All",
  "IdentityRiskyUser.Read.All",
  "IdentityRiskyUser.ReadWrite.All",
  "IdentityRiskEvent.Read.All",
  "IdentityRiskEvent.ReadWrite.All",
  "RoleManagement.Read.Directory",
  "RoleManagement.ReadWrite.Directory",
  "Policy.Read.All",
  "Policy.ReadWrite.ConditionalAccess",
  "AuditLog.Read.All",
  "SecurityEvents.Read.All",
  "SecurityEvents.ReadWrite.All",
  "SecurityAlert.Read.All",
  "SecurityAlert.ReadWrite.All",
  "SecurityIncident.Read.All",
  "SecurityIncident.ReadWrite.All",
  "ThreatIndicators.ReadWrite.OwnedBy",
  "ThreatHunting.Read.All",
  "DeviceManagementManagedDevices.Read.All",
  "DeviceManagementManagedDevices.ReadWrite.All",
  "DeviceManagementManagedDevices.PrivilegedOperations.All",
  "Mail.ReadBasic",
  "Mail.ReadBasic.All",
  "Mail.Read",
  "Mail.Read.Shared",
  "Mail.ReadWrite",
  "Mail.Send",
  "Calendars.ReadWrite",
  "Sites.Read.All",
  "Sites.ReadWrite.All",
  "Files.ReadWrite.All",
  "Team.ReadBasic.All",
  "TeamSettings.Read.All",
  "TeamSettings.ReadWrite.All",
  "TeamMember.ReadWrite.All",
  "Channel.ReadBasic.All",
  "ChannelMessage.Send",
];

const DEFENDER_ENDPOINT_ROLES = [
  "Alert.Read.All",
  "Alert.ReadWrite.All",
  "Machine.Read.All",
  "Machine.ReadWrite.All",
  "Machine.Isolate",
  "Machine.Scan",
  "Machine.CollectForensics",
  "Machine.RestrictExecution",
  "Machine.StopAndQuarantine",
  "Machine.LiveResponse",
  "Ti.Read.All",
  "Ti.ReadWrite",
  "Ti.ReadWrite.All",
  "AdvancedQuery.Read.All",
  "File.Read.All",
  "Ip.Read.All",
  "Url.Read.All",
  "User.Read.All",
  "Vulnerability.Read.All",
  "Software.Read.All",
  "Score.Read.All",
  "SecurityRecommendation.Read.All",
];

export const RESOURCE_APIS: readonly ResourceApiDefinition[] = [
  {
    appId: GRAPH_APP_ID,
    displayName: "Microsoft Graph",
    identifierUris: [
      "https://graph.microsoft.com",
      "https://graph.microsoft.us",
      "https://dod-graph.microsoft.us",
      "https://microsoftgraph.chinacloudapi.cn",
      "https://graph.windows.net",
    ],
    appRoles: GRAPH_PERMISSIONS,
    scopes: ["User.Read", "profile", "email", "offline_access", "openid", ...GRAPH_PERMISSIONS],
  },
  {
    appId: ARM_APP_ID,
    displayName: "Windows Azure Service Management API",
    identifierUris: [
      "https://management.azure.com/",
      "https://management.core.windows.net/",
      "https://management.usgovcloudapi.net/",
      "https://management.core.usgovcloudapi.net/",
      "https://management.chinacloudapi.cn/",
      "https://management.core.chinacloudapi.cn/",
    ],
    appRoles: [],
    scopes: ["user_impersonation"],
  },
  {
    appId: "cfa8b339-82a2-471a-a3c9-0fc0be7a4093",
    displayName: "Azure Key Vault",
    identifierUris: ["https://vault.azure.net", "https://vault.usgovcloudapi.net", "https://vault.azure.cn"],
    appRoles: [],
    scopes: ["user_impersonation"],
  },
  {
    appId: "ca7f3f0b-7d91-482c-8e09-c5d840d0eac5",
    displayName: "Log Analytics API",
    identifierUris: [
      "https://api.loganalytics.io",
      "https://api.loganalytics.us",
      "https://api.loganalytics.azure.cn",
    ],
    appRoles: ["Data.Read"],
    scopes: ["Data.Read"],
  },
  {
    appId: DEFENDER_ENDPOINT_APP_ID,
    displayName: "WindowsDefenderATP",
    identifierUris: [
      "https://api.securitycenter.microsoft.com",
      "https://securitycenter.onmicrosoft.com/windowsatpservice",
      "https://api-eu.securitycenter.microsoft.com",
      "https://api-uk.securitycenter.microsoft.com",
      "https://api-us.securitycenter.microsoft.com",
      "https://api-gcc.securitycenter.microsoft.us",
      "https://api-gov.securitycenter.microsoft.us",
      "https://securitycenter.onmicrosoft.us/windowsatpservice",
    ],
    appRoles: DEFENDER_ENDPOINT_ROLES,
    scopes: DEFENDER_ENDPOINT_ROLES,
  },
  {
    appId: "05a65629-4c1b-48c1-a78b-804c4abdd4af",
    displayName: "Microsoft Cloud App Security",
    identifierUris: ["05a65629-4c1b-48c1-a78b-804c4abdd4af"],
    appRoles: ["investigation.read", "investigation.manage", "discovery.manage", "settings.read"],
    scopes: ["investigation.read", "investigation.manage", "discovery.manage", "settings.read"],
  },
  {
    appId: "c5393580-f805-4401-95e8-94b7a6ef2fc2",
    displayName: "Office 365 Management APIs",
    identifierUris: [
      "https://manage.office.com",
      "https://manage-gcc.office.com",
      "https://manage.office365.us",
      "https://manage.protection.apps.mil",
    ],
    appRoles: ["ActivityFeed.Read", "ActivityFeed.ReadDlp", "ServiceHealth.Read"],
    scopes: ["ActivityFeed.Read", "ActivityFeed.ReadDlp", "ServiceHealth.Read"],
  },
  {
    appId: "8ee8fdad-f234-4243-8f3b-15c294843740",
    displayName: "Microsoft Threat Protection (Microsoft 365 Defender)",
    identifierUris: ["https://api.security.microsoft.com", "https://security.microsoft.com/mtp"],
    appRoles: [
      "Incident.Read.All",
      "Incident.ReadWrite.All",
      "AdvancedHunting.Read.All",
      "AdvancedQuery.Read.All",
    ],
    scopes: [
      "Incident.Read.All",
      "Incident.ReadWrite.All",
      "AdvancedHunting.Read.All",
      "AdvancedQuery.Read.All",
    ],
  },
  {
    appId: "2746ea77-4702-4b45-80ca-3c97e680e8b7",
    displayName: "Azure Data Explorer",
    identifierUris: [
      "https://kusto.kusto.windows.net",
      "https://*.kusto.windows.net",
      "https://*.kusto.usgovcloudapi.net",
      "https://*.kusto.chinacloudapi.cn",
    ],
    appRoles: [],
    scopes: ["user_impersonation"],
  },
  {
    appId: "499b84ac-1321-427f-aa17-267ca6975798",
    displayName: "Azure DevOps",
    identifierUris: ["499b84ac-1321-427f-aa17-267ca6975798", "https://app.vssps.visualstudio.com"],
    appRoles: [],
    scopes: ["user_impersonation"],
  },
  {
    appId: "e406a681-f3d4-42a8-90b6-c2b029497af1",
    displayName: "Azure Storage",
    // An account's own service URL is an audience too (`https://<account>.blob.core.windows.net`).
    identifierUris: [
      "https://storage.azure.com/",
      "https://*.blob.core.windows.net",
      "https://*.file.core.windows.net",
      "https://*.queue.core.windows.net",
      "https://*.table.core.windows.net",
    ],
    appRoles: [],
    scopes: ["user_impersonation"],
  },
  {
    // Placeholder app id: Bot Framework's first-party id could not be verified offline. Bots get its
    // tokens from the `botframework.com` tenant (BOT_FRAMEWORK_TENANT).
    appId: BOT_FRAMEWORK_APP_ID,
    displayName: "Bot Framework (emulator placeholder id)",
    identifierUris: ["https://api.botframework.com"],
    appRoles: [],
    scopes: [],
  },
];
