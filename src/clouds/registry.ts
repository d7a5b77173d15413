/**
 * The national cloud registry, as data. Values follow the reference module's AZURE_CLOUDS tables (trailing
 * slashes kept exactly: some are v1 resource identifiers) with three deliberate changes, each explained in
 * docs/authentication.md ("Clouds"):
 * - US GCC's Microsoft Graph is `https://graph.microsoft.com/` (GCC tenants live in the commercial Entra ID
 *   and graph.microsoft.us rejects their tokens), not the reference's `graph.microsoft.us`;
 * - custom clouds keep `exchangeOnline` (the reference dropped it);
 * - Germany is kept for compatibility but marked retired.
 * Hosts the reference lacks (O365 Management Activity) come from Microsoft's documentation.
 */

export type CloudId = "com" | "gcc" | "gcc-high" | "dod" | "cn" | "de" | "custom";

/** Every endpoint a cloud can have. `undefined` means "not offered in this cloud". */
export const ENDPOINT_NAMES = [
  "login",
  "graph",
  "resourceManager",
  "management",
  "activeDirectoryResourceId",
  "sqlManagement",
  "batch",
  "gallery",
  "activeDirectoryGraph",
  "dataLake",
  "media",
  "ossrdbms",
  "appInsights",
  "logAnalytics",
  "appInsightsTelemetryChannel",
  "synapseAnalytics",
  "attestation",
  "portal",
  "keyVault",
  "exchangeOnline",
  "o365Management",
  "defenderForEndpoint",
  "defenderAptService",
  "microsoft365Defender",
  "microsoft365DefenderScope",
] as const;
export type EndpointName = (typeof ENDPOINT_NAMES)[number];

export const SUFFIX_NAMES = [
  "storage",
  "storageSync",
  "keyVaultDns",
  "managedHsmDns",
  "sqlServerHostname",
  "mysqlServer",
  "postgresqlServer",
  "mariadbServer",
  "dataLakeStoreFileSystem",
  "dataLakeAnalyticsCatalogAndJob",
  "acrLoginServer",
  "synapseAnalytics",
  "attestation",
] as const;
export type SuffixName = (typeof SUFFIX_NAMES)[number];

export interface Cloud {
  id: CloudId;
  /** The reference's `azure_cloud` display name. */
  displayName: string;
  /** The Azure SDK environment name (`AzureCloud`, `AzureUSGovernment`...). */
  azureName: string;
  /** Microsoft closed it; kept so old configurations still parse. */
  retired: boolean;
  endpoints: Readonly<Partial<Record<EndpointName, string>>>;
  suffixes: Readonly<Partial<Record<SuffixName, string>>>;
}

const US_GOV_ENDPOINTS = {
  login: "https://login.microsoftonline.us",
  graph: "https://graph.microsoft.us/",
  resourceManager: "https://management.usgovcloudapi.net/",
  management: "https://management.core.usgovcloudapi.net/",
  activeDirectoryResourceId: "https://management.core.usgovcloudapi.net/",
  sqlManagement: "https://management.core.usgovcloudapi.net:8443/",
  batch: "https://batch.core.usgovcloudapi.net/",
  gallery: "https://gallery.usgovcloudapi.net/",
  activeDirectoryGraph: "https://graph.windows.net/",
  media: "https://rest.media.usgovcloudapi.net",
  ossrdbms: "https://ossrdbms-aad.database.usgovcloudapi.net",
  appInsights: "https://api.applicationinsights.us",
  logAnalytics: "https://api.loganalytics.us",
  appInsightsTelemetryChannel: "https://dc.applicationinsights.us/v2/track",
  synapseAnalytics: "https://dev.azuresynapse.usgovcloudapi.net",
  portal: "https://portal.azure.us",
  keyVault: "https://vault.usgovcloudapi.net",
} as const satisfies Partial<Record<EndpointName, string>>;

const US_GOV_SUFFIXES = {
  storage: "core.usgovcloudapi.net",
  storageSync: "afs.azure.us",
  keyVaultDns: ".vault.usgovcloudapi.net",
  managedHsmDns: ".managedhsm.usgovcloudapi.net",
  sqlServerHostname: ".database.usgovcloudapi.net",
  mysqlServer: ".mysql.database.usgovcloudapi.net",
  postgresqlServer: ".postgres.database.usgovcloudapi.net",
  mariadbServer: ".mariadb.database.usgovcloudapi.net",
  acrLoginServer: ".azurecr.us",
  synapseAnalytics: ".dev.azuresynapse.usgovcloudapi.net",
} as const satisfies Partial<Record<SuffixName, string>>;

export const CLOUDS: Readonly<Record<Exclude<CloudId, "custom">, Cloud>> = {
  com: {
    id: "com",
    displayName: "Worldwide",
    azureName: "AzureCloud",
    retired: false,
    endpoints: {
      login: "https://login.microsoftonline.com",
      graph: "https://graph.microsoft.com/",
      resourceManager: "https://management.azure.com/",
      management: "https://management.core.windows.net/",
      activeDirectoryResourceId: "https://management.core.windows.net/",
      sqlManagement: "https://management.core.windows.net:8443/",
      batch: "https://batch.core.windows.net/",
      gallery: "https://gallery.azure.com/",
      activeDirectoryGraph: "https://graph.windows.net/",
      dataLake: "https://datalake.azure.net/",
      media: "https://rest.media.azure.net",
      ossrdbms: "https://ossrdbms-aad.database.windows.net",
      appInsights: "https://api.applicationinsights.io",
      logAnalytics: "https://api.loganalytics.io",
      appInsightsTelemetryChannel: "https://dc.applicationinsights.azure.com/v2/track",
      synapseAnalytics: "https://dev.azuresynapse.net",
      attestation: "https://attest.azure.net",
      portal: "https://portal.azure.com",
      keyVault: "https://vault.azure.net",
      exchangeOnline: "https://outlook.office365.com",
      o365Management: "https://manage.office.com",
      defenderForEndpoint: "https://api.securitycenter.microsoft.com",
      defenderAptService: "https://securitycenter.onmicrosoft.com",
      microsoft365Defender: "https://api.security.microsoft.com",
      microsoft365DefenderScope: "https://security.microsoft.com/mtp",
    },
    suffixes: {
      storage: "core.windows.net",
      storageSync: "afs.azure.net",
      keyVaultDns: ".vault.azure.net",
      managedHsmDns: ".managedhsm.azure.net",
      sqlServerHostname: ".database.windows.net",
      mysqlServer: ".mysql.database.azure.com",
      postgresqlServer: ".postgres.database.azure.com",
      mariadbServer: ".mariadb.database.azure.com",
      dataLakeStoreFileSystem: "azuredatalakestore.net",
      dataLakeAnalyticsCatalogAndJob: "azuredatalakeanalytics.net",
      acrLoginServer: ".azurecr.io",
      synapseAnalytics: ".dev.azuresynapse.net",
      attestation: ".attest.azure.net",
    },
  },
  gcc: {
    id: "gcc",
    displayName: "US GCC",
    azureName: "AzureUSGovernment",
    retired: false,
    endpoints: {
      ...US_GOV_ENDPOINTS,
      // GCC (Moderate) tenants sign in and call Graph in the commercial cloud; see the module comment.
      login: "https://login.microsoftonline.com",
      graph: "https://graph.microsoft.com/",
      exchangeOnline: "https://outlook.office365.com",
      o365Management: "https://manage-gcc.office.com",
      defenderForEndpoint: "https://api-gcc.securitycenter.microsoft.us",
      defenderAptService: "https://securitycenter.onmicrosoft.com",
    },
    suffixes: US_GOV_SUFFIXES,
  },
  "gcc-high": {
    id: "gcc-high",
    displayName: "US GCC-High",
    azureName: "AzureUSGovernment",
    retired: false,
    endpoints: {
      ...US_GOV_ENDPOINTS,
      exchangeOnline: "https://outlook.office365.us",
      o365Management: "https://manage.office365.us",
      defenderForEndpoint: "https://api-gov.securitycenter.microsoft.us",
      defenderAptService: "https://securitycenter.onmicrosoft.us",
    },
    suffixes: US_GOV_SUFFIXES,
  },
  dod: {
    id: "dod",
    displayName: "DoD",
    azureName: "AzureUSGovernment",
    retired: false,
    endpoints: {
      ...US_GOV_ENDPOINTS,
      graph: "https://dod-graph.microsoft.us/",
      exchangeOnline: "https://outlook-dod.office365.us",
      o365Management: "https://manage.protection.apps.mil",
      defenderForEndpoint: "https://api-gov.securitycenter.microsoft.us",
      defenderAptService: "https://securitycenter.onmicrosoft.us",
    },
    suffixes: US_GOV_SUFFIXES,
  },
  cn: {
    id: "cn",
    displayName: "China",
    azureName: "AzureChinaCloud",
    retired: false,
    endpoints: {
      login: "https://login.chinacloudapi.cn",
      graph: "https://microsoftgraph.chinacloudapi.cn",
      resourceManager: "https://management.chinacloudapi.cn",
      management: "https://management.core.chinacloudapi.cn/",
      activeDirectoryResourceId: "https://management.core.chinacloudapi.cn/",
      sqlManagement: "https://management.core.chinacloudapi.cn:8443/",
      batch: "https://batch.chinacloudapi.cn/",
      gallery: "https://gallery.chinacloudapi.cn/",
      activeDirectoryGraph: "https://graph.chinacloudapi.cn/",
      media: "https://rest.media.chinacloudapi.cn",
      ossrdbms: "https://ossrdbms-aad.database.chinacloudapi.cn",
      appInsights: "https://api.applicationinsights.azure.cn",
      logAnalytics: "https://api.loganalytics.azure.cn",
      appInsightsTelemetryChannel: "https://dc.applicationinsights.azure.cn/v2/track",
      synapseAnalytics: "https://dev.azuresynapse.azure.cn",
      portal: "https://portal.azure.cn",
      keyVault: "https://vault.azure.cn",
      exchangeOnline: "https://partner.outlook.cn",
    },
    suffixes: {
      storage: "core.chinacloudapi.cn",
      keyVaultDns: ".vault.azure.cn",
      managedHsmDns: ".managedhsm.azure.cn",
      sqlServerHostname: ".database.chinacloudapi.cn",
      mysqlServer: ".mysql.database.chinacloudapi.cn",
      postgresqlServer: ".postgres.database.chinacloudapi.cn",
      mariadbServer: ".mariadb.database.chinacloudapi.cn",
      acrLoginServer: ".azurecr.cn",
      synapseAnalytics: ".dev.azuresynapse.azure.cn",
    },
  },
  de: {
    id: "de",
    displayName: "Germany",
    azureName: "AzureGermanCloud",
    retired: true,
    endpoints: {
      login: "https://login.microsoftonline.de",
      graph: "https://graph.microsoft.de",
      resourceManager: "https://management.microsoftazure.de",
      management: "https://management.core.cloudapi.de/",
      activeDirectoryResourceId: "https://management.core.cloudapi.de/",
      sqlManagement: "https://management.core.cloudapi.de:8443/",
      batch: "https://batch.cloudapi.de/",
      gallery: "https://gallery.cloudapi.de/",
      activeDirectoryGraph: "https://graph.cloudapi.de/",
      media: "https://rest.media.cloudapi.de",
      ossrdbms: "https://ossrdbms-aad.database.cloudapi.de",
      portal: "https://portal.microsoftazure.de",
      keyVault: "https://vault.microsoftazure.de",
    },
    suffixes: {
      storage: "core.cloudapi.de",
      keyVaultDns: ".vault.microsoftazure.de",
      managedHsmDns: ".managedhsm.microsoftazure.de",
      sqlServerHostname: ".database.cloudapi.de",
      mysqlServer: ".mysql.database.cloudapi.de",
      postgresqlServer: ".postgres.database.cloudapi.de",
      mariadbServer: ".mariadb.database.cloudapi.de",
    },
  },
};

export const KNOWN_CLOUD_IDS = Object.keys(CLOUDS) as Exclude<CloudId, "custom">[];

/**
 * A `custom` cloud: a base cloud's endpoints and suffixes with any of them replaced. This is how a
 * client is aimed at a private endpoint or at the local emulator.
 */
export function customCloud(
  overrides: {
    endpoints?: Partial<Record<EndpointName, string>>;
    suffixes?: Partial<Record<SuffixName, string>>;
  },
  base: Cloud = CLOUDS.com,
): Cloud {
  return {
    id: "custom",
    displayName: "Custom",
    azureName: base.azureName,
    retired: false,
    endpoints: { ...base.endpoints, ...defined(overrides.endpoints ?? {}) },
    suffixes: { ...base.suffixes, ...defined(overrides.suffixes ?? {}) },
  };
}

function defined<K extends string>(record: Partial<Record<K, string>>): Partial<Record<K, string>> {
  return Object.fromEntries(
    Object.entries(record).filter(([, value]) => typeof value === "string" && value !== ""),
  ) as Partial<Record<K, string>>;
}
