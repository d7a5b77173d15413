/** National clouds: the registry (data), selection, and endpoint / resource / scope derivation. */
export {
  cloudForDefender,
  DEFENDER_ENDPOINT_TYPES,
  DEFENDER_FOR_CLOUD_APPS_APP_ID,
  DEFENDER_FOR_CLOUD_APPS_TYPES,
  type DefenderEndpointKey,
  type DefenderEndpointSelection,
  type DefenderEndpointType,
  type DefenderForCloudAppsType,
  defenderBaseUrl,
  defenderEndpointType,
} from "./defender.ts";
export {
  CLOUDS,
  type Cloud,
  type CloudId,
  customCloud,
  ENDPOINT_NAMES,
  type EndpointName,
  KNOWN_CLOUD_IDS,
  SUFFIX_NAMES,
  type SuffixName,
} from "./registry.ts";
export {
  adminConsentUrl,
  apiBase,
  authorityHost,
  endpoint,
  hasEndpoint,
  keyVaultUrl,
  RESOURCE_FAMILIES,
  type ResourceFamily,
  resourceFor,
  scopeFor,
  scopesFor,
  suffix,
} from "./resources.ts";
export { type CloudParams, cloudByName, cloudForAuthorityHost, isCloudId, selectCloud } from "./select.ts";
