/** The OAuth proxy's public surface: start it, read its config, manage registrations. */
export { type AuditLog, type AuditRecord, auditLogTo, openAuditLog } from "./audit.ts";
export {
  loadProxyConfig,
  type ProxyApp,
  type ProxyConfig,
  type ProxyConfigInput,
  parseProxyConfig,
} from "./config.ts";
export { type Registration, Registrations } from "./registrations.ts";
export { MAX_BODY_BYTES, type RunningProxy, type StartProxyOptions, startProxy } from "./server.ts";
