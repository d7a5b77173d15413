/** The transport: one HTTP client (proxy, TLS, timeouts, retries), typed errors, OData paging. */
export {
  authorizedJson,
  authorizedRequest,
  claimsChallenge,
  type JsonRequest,
  jsonBody,
  type TokenAudience,
  type TokenRequest,
  type TokenSource,
} from "./authorized.ts";
export {
  createHttpClient,
  type HttpClient,
  type HttpClientOptions,
  type HttpMethod,
  type HttpRequest,
  type HttpResponse,
} from "./client.ts";
export {
  classifyNetworkError,
  errorCodeForStatus,
  HttpStatusError,
  NetworkError,
  type NetworkFailureKind,
  ThrottledError,
} from "./errors.ts";
export { type TransportParams, transportOptionsFromParams } from "./instance-params.ts";
export { collectOData, iterateOData, nextLink, type ODataPageOptions } from "./odata.ts";
export { isAlwaysDirect, type ProxySettings, proxyFor, proxySettingsFromEnv } from "./proxy.ts";
export {
  type AttemptOutcome,
  DEFAULT_RETRY_POLICY,
  decideRetry,
  isRetryableStatus,
  NO_RETRY,
  parseRetryAfter,
  type RetryClock,
  type RetryDecision,
  type RetryPolicy,
  type RetryWait,
  runWithRetries,
} from "./retry.ts";
export { errorForResponse, parseServiceError, type ServiceErrorInfo } from "./service-error.ts";
export {
  createTransport,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_REQUEST_TIMEOUT_MS,
  INSECURE_TLS_WARNING,
  type Route,
  type Transport,
  type TransportOptions,
} from "./transport.ts";
