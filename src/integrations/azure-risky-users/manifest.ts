/**
 * Azure Risky Users: the public contract of the reference integration (spec azure-risky-users.md §1, §2),
 * kept name for name, plus the commands the reference lacks (confirm-safe, confirm-compromise, dismiss,
 * history). Data only; the command code is in commands.ts.
 */
import { findProfile, supportedFlows } from "../profiles/index.ts";
import type { ArgumentSpec, IntegrationDefinition, OutputPath, OutputSchema } from "../types.ts";

const PROFILE = findProfile("azure-risky-users");

export const PREFIX = "azure-risky-users";
export const CONTEXT_ROOT = "AzureRiskyUsers";
export const USER_PREFIX = `${CONTEXT_ROOT}.RiskyUser`;
export const DETECTION_PREFIX = `${CONTEXT_ROOT}.RiskDetection`;
export const HISTORY_PREFIX = `${CONTEXT_ROOT}.RiskyUserHistory`;
export const NEXT_TOKEN_FIELD = "RiskyUserListNextToken";

export const PERMISSION_READ_USERS = "IdentityRiskyUser.Read.All";
export const PERMISSION_WRITE_USERS = "IdentityRiskyUser.ReadWrite.All";
export const PERMISSION_READ_DETECTIONS = "IdentityRiskEvent.Read.All";
export const LICENCE_USERS = "Microsoft Entra ID P2";
export const LICENCE_DETECTIONS = "Microsoft Entra ID P1 or P2";

/** The largest `limit` entrakit streams through (the reference had no bound). */
export const MAX_LIMIT = 100_000;
/** Graph's maximum `$top` for both lists. */
export const MAX_PAGE_SIZE = 500;

/** Columns of the readable tables, in the reference's order. */
export const USER_COLUMNS = [
  "id",
  "userDisplayName",
  "userPrincipalName",
  "riskLevel",
  "riskState",
  "riskDetail",
  "riskLastUpdatedDateTime",
] as const;
/** `riskDetail` twice is the reference's (its README shows "Risk Detail" twice); kept for fidelity. */
export const DETECTION_LIST_COLUMNS = [
  "id",
  "userId",
  "userDisplayName",
  "userPrincipalName",
  "riskDetail",
  "riskEventType",
  "riskLevel",
  "riskState",
  "riskDetail",
  "lastUpdatedDateTime",
  "ipAddress",
] as const;
export const DETECTION_GET_COLUMNS = [
  "id",
  "userId",
  "userDisplayName",
  "userPrincipalName",
  "riskDetail",
  "riskEventType",
  "riskLevel",
  "riskState",
  "ipAddress",
  "detectionTimingType",
  "lastUpdatedDateTime",
  "location",
] as const;
export const HISTORY_COLUMNS = [
  "id",
  "userId",
  "userPrincipalName",
  "riskLevel",
  "riskState",
  "riskDetail",
  "activity",
  "initiatedBy",
  "riskLastUpdatedDateTime",
] as const;

const RISK_LEVELS = ["low", "medium", "high"] as const;
const USER_RISK_STATES = ["atRisk", "confirmedCompromised", "remediated", "dismissed"] as const;
const DETECTION_RISK_STATES = [...USER_RISK_STATES, "confirmedSafe"] as const;

const userPaths: readonly OutputPath[] = [
  { path: "id", type: "String", description: "Unique ID of the user at risk." },
  { path: "userDisplayName", type: "String", description: "Risky user display name." },
  { path: "userPrincipalName", type: "String", description: "Risky user principal name." },
  {
    path: "riskLevel",
    type: "String",
    description: "Level of the detected risky user: low, medium, high, hidden, none, unknownFutureValue.",
  },
  {
    path: "riskState",
    type: "String",
    description:
      "State of the user's risk: none, confirmedSafe, remediated, dismissed, atRisk, confirmedCompromised.",
  },
  { path: "riskLastUpdatedDateTime", type: "Date", description: "When the risky user was last updated." },
  { path: "isDeleted", type: "Boolean", description: "Whether the user is deleted." },
  {
    path: "isProcessing",
    type: "Boolean",
    description: "Whether the backend is still processing the user's risk.",
  },
  { path: "riskDetail", type: "String", description: "Reason the risk state was last changed." },
];

const detectionPaths: readonly OutputPath[] = [
  { path: "id", type: "String", description: "Unique ID of the risk detection." },
  { path: "userId", type: "String", description: "ID of the user." },
  { path: "userDisplayName", type: "String", description: "Display name of the user." },
  { path: "userPrincipalName", type: "String", description: "User principal name of the user." },
  { path: "riskDetail", type: "String", description: "Reason the risk state was last changed." },
  { path: "riskEventType", type: "String", description: "Type of risk event detected." },
  { path: "riskLevel", type: "String", description: "Level of the detected risk." },
  { path: "riskState", type: "String", description: "State of the detected risk." },
  { path: "ipAddress", type: "String", description: "IP address the risky activity came from." },
  { path: "source", type: "String", description: "Source of the risk detection, e.g. activeDirectory." },
  {
    path: "detectionTimingType",
    type: "String",
    description: "Timing of the detection: notDefined, realtime, nearRealtime, offline.",
  },
  { path: "lastUpdatedDateTime", type: "Date", description: "When the detection was last updated." },
  { path: "location", type: "String", description: "Location of the sign-in (an object: city, state, ...)." },
  { path: "activity", type: "String", description: "Activity type: signin or user." },
  { path: "activityDateTime", type: "Date", description: "When the risky activity happened." },
  { path: "additionalInfo", type: "String", description: "Extra information, as a JSON string." },
  { path: "correlationId", type: "String", description: "Correlation ID of the sign-in, if any." },
  { path: "detectedDateTime", type: "Date", description: "When the risk was detected." },
  { path: "requestId", type: "String", description: "Request ID of the sign-in, if any." },
  { path: "tokenIssuerType", type: "String", description: "Token issuer: AzureAD or ADFederationServices." },
];

const historyPaths: readonly OutputPath[] = [
  ...userPaths,
  { path: "userId", type: "String", description: "ID of the user." },
  { path: "initiatedBy", type: "String", description: "ID of the actor that performed the operation." },
  { path: "activity.riskEventTypes", type: "Unknown", description: "Risk event types of the activity." },
  { path: "activity.detail", type: "String", description: "Detail of the activity (a riskDetail value)." },
];

const userOutputs: OutputSchema = { prefix: USER_PREFIX, key: "id", paths: userPaths };
const detectionOutputs: OutputSchema = { prefix: DETECTION_PREFIX, key: "id", paths: detectionPaths };

const limitArg = (description: string): ArgumentSpec => ({
  name: "limit",
  description,
  type: "integer",
  default: "50",
  // 0 keeps the reference's meaning ("the default, 50").
  range: { min: 0, max: MAX_LIMIT },
});

const userIdsArg: ArgumentSpec = {
  name: "user_ids",
  description: "One or more risky user IDs, comma-separated.",
  type: "list",
  required: true,
};

export const azureRiskyUsers: IntegrationDefinition = {
  // The id instances of this integration were stored under before the profiles; the registry also finds
  // it by its profile id (azure-risky-users).
  id: "AzureRiskyUsers",
  display: "Azure Risky Users",
  description:
    "Azure Risky Users provides access to all at-risk users and risk detections in the Azure AD environment.",
  category: "Vulnerability Management",
  prefix: PREFIX,
  contextRoot: CONTEXT_ROOT,
  rateLimit: "Identity Protection allows about one request per second per tenant, across all apps.",
  profile: PROFILE,
  // Flows, default flow, resource and probe come from the auth profile (profiles/table.ts).
  auth: {
    flows: supportedFlows(PROFILE),
    defaultFlow: PROFILE.defaultFlow,
    resource: { family: "graph", basePath: "/v1.0" },
    // The reference asked for these (its scope string also repeats Read.All and prefixes only the first).
    delegatedPermissions: [PERMISSION_READ_USERS, "IdentityRiskEvent.ReadWrite.All", PERMISSION_WRITE_USERS],
    permissions: {
      read: [PERMISSION_READ_USERS, PERMISSION_READ_DETECTIONS],
      write: [PERMISSION_WRITE_USERS],
    },
    // Identity Protection runs in the global service and US Gov L4/L5, not in China (21Vianet).
    clouds: ["com", "gcc", "gcc-high", "dod", "custom"],
    connectivityTest: {
      probe: PROFILE.connectivityProbe,
      deviceCodeRefusal:
        "When using device code flow configuration, please enable the integration and run the `{prefix}-auth-start` command. Follow the instructions that will be printed as the output of the command.\n You can validate the connection by running `!{prefix}-auth-test`.\n",
    },
    messages: {
      testSuccess: "Success!",
      completeSuccess: "Authorization completed successfully.",
      reset:
        "Authorization was reset successfully. Run **!{prefix}-auth-start** to start the authentication process.",
    },
  },
  params: [
    {
      name: "client_id",
      display: "Client ID",
      type: "text",
      aliases: ["ID", "auth_id", "app_id"],
      help: "Application (client) ID of the app registration. With self_deployed=false, ID is the vendor app's registration ID.",
    },
    {
      name: "authentication_type",
      display: "Authentication Type",
      type: "select",
      required: true,
      default: "Device Code",
      options: ["Client Credentials", "Device Code", "Azure Managed Identities"],
      help: "Client Credentials (recommended), Device Code, or Azure Managed Identities.",
    },
    {
      name: "tenant_id",
      display: "Tenant ID (for Client Credentials mode)",
      type: "text",
      aliases: ["Token", "token"],
    },
    {
      name: "client_secret",
      display: "Client Secret (for Client Credentials mode)",
      type: "secret",
      aliases: ["Key", "enc_key", "credentials"],
    },
    {
      name: "certificate_thumbprint",
      display: "Certificate Thumbprint (for Client Credentials mode)",
      type: "text",
      aliases: ["creds_certificate", "credentials_certificate_thumbprint"],
      help: "SHA-1 thumbprint of the certificate uploaded to the app registration; use with private_key instead of a secret.",
    },
    {
      name: "private_key",
      display: "Private Key (PEM)",
      type: "secret",
      help: "The certificate's private key, PEM.",
    },
    {
      name: "managed_identities_client_id",
      display: "Azure Managed Identities Client ID",
      type: "text",
      help: "Client ID of a user-assigned managed identity; empty means the system-assigned identity.",
    },
    {
      name: "use_managed_identities",
      display: "Use Azure Managed Identities",
      type: "boolean",
      default: false,
      help: "Legacy switch; the same as authentication_type=Azure Managed Identities.",
    },
    {
      name: "self_deployed",
      display: "Use a self-deployed Azure application",
      type: "boolean",
      default: true,
      help: "false signs in through the vendor app's OAuth proxy; ID, Token and Key then come from its consent page.",
    },
    {
      name: "azure_cloud",
      display: "Azure Cloud",
      type: "select",
      default: "Worldwide",
      options: ["Worldwide", "US GCC", "US GCC-High", "DoD", "Custom"],
    },
    { name: "proxy", display: "Use system proxy settings", type: "boolean", default: false },
    { name: "insecure", display: "Trust any certificate (not secure)", type: "boolean", default: false },
  ],
  commands: [
    {
      name: "azure-risky-users-list",
      description: "Returns a list of all risky users and their properties.",
      effect: "read",
      permission: PERMISSION_READ_USERS,
      licence: LICENCE_USERS,
      args: [
        {
          name: "risk_state",
          description: "Risk state to filter by.",
          predefined: USER_RISK_STATES,
        },
        limitArg("Maximum number of results to return."),
        {
          name: "page",
          description: "Deprecated: use next_token and page_size.",
          type: "integer",
          hidden: true,
        },
        {
          name: "page_size",
          description:
            "Amount of results per request. Value can be between 1 and 500. When only page_size is given, the first page results will be fetched.",
          type: "integer",
          range: { min: 1, max: MAX_PAGE_SIZE },
          rangeMessage: "Page size must be between 1 and 500.",
        },
        {
          name: "next_token",
          description:
            "The URL for the next set of items to return during pagination. (This URL can be retrieved from a previous call).",
        },
        { name: "risk_level", description: "Risk level to filter by.", predefined: RISK_LEVELS },
        {
          name: "order_by",
          description: "Sort order of the results.",
          default: "riskLastUpdatedDateTime desc",
          predefined: ["riskLastUpdatedDateTime desc", "riskLastUpdatedDateTime asc"],
        },
        {
          name: "updated_before",
          description:
            'Displays all RiskyUsers before a specific datetime. For Example "2024-02-27T04:49:26.257525Z", "10 days", "5 months", "2 hours".',
          type: "date",
        },
        {
          name: "updated_after",
          description:
            'Displays all RiskyUsers after a specific datetime. For Example "2024-02-27T04:49:26.257525Z", "10 days", "5 months", "2 hours".',
          type: "date",
        },
      ],
      outputs: [
        userOutputs,
        {
          prefix: CONTEXT_ROOT,
          paths: [
            {
              path: NEXT_TOKEN_FIELD,
              type: "String",
              description: "A property in the response that contains a URL to the next page of results.",
            },
          ],
        },
      ],
    },
    {
      name: "azure-risky-user-get",
      description: "Retrieves properties and relationships of a Risky User.",
      effect: "read",
      permission: PERMISSION_READ_USERS,
      licence: LICENCE_USERS,
      args: [{ name: "id", description: "Risky user ID to retrieve.", required: true }],
      outputs: [userOutputs],
    },
    {
      name: "azure-risky-users-risk-detections-list",
      description: "Returns a comma-separated list of the Risk Detection objects and their properties.",
      effect: "read",
      permission: PERMISSION_READ_DETECTIONS,
      licence: LICENCE_DETECTIONS,
      args: [
        limitArg("Number of detections per page."),
        {
          name: "page",
          description: "Page number to return.",
          type: "integer",
          default: "1",
          range: { min: 1 },
        },
        { name: "risk_state", description: "Risk state to filter by.", predefined: DETECTION_RISK_STATES },
        { name: "risk_level", description: "Risk level to filter by.", predefined: RISK_LEVELS },
        {
          name: "detected_date_time_before",
          description:
            'Filter events created before a given time, e.g. 2022-06-09T23:00:44.7420905Z, or relative ("10 days", "2 hours ago").',
          type: "date",
        },
        {
          name: "detected_date_time_after",
          description:
            'Filter events created after a given time, e.g. 2022-06-09T23:00:44.7420905Z, or relative ("10 days", "2 hours ago").',
          type: "date",
        },
        {
          name: "order_by",
          description: "Sort order of the results.",
          default: "detectedDateTime desc",
          predefined: ["detectedDateTime desc", "detectedDateTime asc"],
        },
      ],
      outputs: [detectionOutputs],
    },
    {
      name: "azure-risky-users-risk-detection-get",
      description: "Reads the properties and relationships of a riskDetection object.",
      effect: "read",
      permission: PERMISSION_READ_DETECTIONS,
      licence: LICENCE_DETECTIONS,
      args: [{ name: "id", description: "The risk detection ID to retrieve.", required: true }],
      outputs: [detectionOutputs],
    },
    {
      name: "azure-risky-user-history-list",
      description: "Lists the risk history of a risky user: each change of its risk level, state and detail.",
      effect: "read",
      permission: PERMISSION_READ_USERS,
      licence: LICENCE_USERS,
      args: [
        { name: "id", description: "Risky user ID whose history to list.", required: true },
        limitArg("Maximum number of history items to return."),
      ],
      outputs: [{ prefix: HISTORY_PREFIX, key: "id", paths: historyPaths }],
    },
    {
      name: "azure-risky-users-confirm-compromise",
      description: "Confirms one or more risky users as compromised (their risk level becomes high).",
      effect: "write",
      permission: PERMISSION_WRITE_USERS,
      licence: LICENCE_USERS,
      args: [userIdsArg],
      outputs: [],
    },
    {
      name: "azure-risky-users-confirm-safe",
      description:
        "Confirms one or more risky users as safe after investigation (their risk level becomes none).",
      effect: "write",
      permission: PERMISSION_WRITE_USERS,
      licence: LICENCE_USERS,
      args: [userIdsArg],
      outputs: [],
    },
    {
      name: "azure-risky-users-dismiss",
      description: "Dismisses the risk of one or more risky users (their risk level becomes none).",
      effect: "write",
      permission: PERMISSION_WRITE_USERS,
      licence: LICENCE_USERS,
      args: [userIdsArg],
      outputs: [],
    },
  ],
};
