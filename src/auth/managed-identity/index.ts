export { ARC_KEY_DIRECTORY } from "./arc.ts";
export {
  ManagedIdentityCredential,
  type ManagedIdentityCredentialOptions,
  SYSTEM_ASSIGNED,
} from "./credential.ts";
export {
  IMDS_RETRY,
  type RetryPolicy as ManagedIdentityRetryPolicy,
  type RetryReport,
  SOURCE_RETRY,
} from "./retry.ts";
export { detectSource, type IdentitySelector, type ManagedIdentitySourceName } from "./sources.ts";
