/** The public library API of entrakit: re-exports only. */

// Credentials, one per flow.
export {
  AuthorizationCodeCredential,
  type AuthorizationCodeCredentialOptions,
  DEFAULT_REDIRECT_URI,
  type LoginUrlOptions,
  REFRESH_TOKEN_PREFIX,
} from "./auth/authorization-code.ts";
// The token cache: caching + single flight for any credential, crash-safe rotation, auth reset.
export * from "./auth/cache/index.ts";
export { ClientAssertionCredential, type ClientAssertionCredentialOptions } from "./auth/client-assertion.ts";
export type {
  CertificateAuthOptions,
  ClientAuthStrategy,
  ClientCredentialChoice,
} from "./auth/client-auth.ts";
export {
  ClientCertificateCredential,
  type ClientCertificateCredentialOptions,
} from "./auth/client-certificate.ts";
export { ClientSecretCredential, type ClientSecretCredentialOptions } from "./auth/client-secret.ts";
export { type CommonCredentialOptions, PUBLIC_AUTHORITY_HOST } from "./auth/common.ts";
export {
  type DeviceCodeCompleteOptions,
  DeviceCodeCredential,
  type DeviceCodeCredentialOptions,
  type DeviceCodeStart,
} from "./auth/device-code.ts";
// Clouds, transport and diagnostics.
export * from "./auth/diagnostics.ts";
export * from "./auth/errors.ts";
export { type LoopbackSignInOptions, signInWithLoopback } from "./auth/loopback.ts";
export * from "./auth/managed-identity/index.ts";
export { OAuthProxyCredential, type OAuthProxyCredentialOptions } from "./auth/oauth-proxy.ts";
export type { AuthStateOptions } from "./auth/persistence.ts";
export {
  type AuthHttp,
  type AuthHttpRequest,
  type AuthHttpResponse,
  type AuthHttpSettings,
  createAuthHttp,
} from "./auth/transport.ts";
export type { AccessToken, GetTokenOptions, TokenCredential } from "./auth/types.ts";
export {
  WorkloadIdentityCredential,
  type WorkloadIdentityCredentialOptions,
} from "./auth/workload-identity.ts";
export * from "./clouds/index.ts";
export * from "./errors.ts";
export * from "./http/index.ts";
export * from "./log.ts";
// Protocol primitives (pure).
export * from "./protocol/client-assertion.ts";
export * from "./protocol/device-code.ts";
export * from "./protocol/login-url.ts";
export * from "./protocol/oauth-proxy.ts";
export * from "./protocol/pkce.ts";
export * from "./protocol/redirect.ts";
export * from "./protocol/token-request.ts";
export * from "./protocol/token-response.ts";
// The Store: SQLite, Redis or memory, sealed at rest.
export * from "./store/index.ts";
