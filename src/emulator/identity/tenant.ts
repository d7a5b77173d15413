/**
 * The `{tenant}` path segment of identity URLs: a GUID, a verified domain, or one of the multi-tenant
 * aliases `common` / `organizations` (`consumers` is for Microsoft accounts, which the emulator has none of).
 */
import type { Directory, TenantRecord } from "../contracts.ts";
import { AadstsError } from "./errors.ts";

export type TenantRef =
  | { kind: "tenant"; tenant: TenantRecord; segment: string }
  | { kind: "multi"; segment: "common" | "organizations" };

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DOMAIN = /^(?=.{3,253}$)([a-z0-9-]+\.)+[a-z]{2,}$/i;

/** Resolves a tenant segment or throws AADSTS90002 (unknown) / 900023 (not a tenant identifier). */
export function resolveTenant(directory: Directory, segment: string): TenantRef {
  const lower = segment.toLowerCase();
  if (lower === "common" || lower === "organizations") return { kind: "multi", segment: lower };
  if (!GUID.test(segment) && !DOMAIN.test(segment)) throw new AadstsError(900023, { tenant: segment });
  const tenant = directory.tenant(segment);
  if (!tenant) throw new AadstsError(90002, { tenant: segment });
  return { kind: "tenant", tenant, segment };
}

export function isTenantSegmentSyntax(segment: string): boolean {
  const lower = segment.toLowerCase();
  return (
    lower === "common" ||
    lower === "organizations" ||
    lower === "consumers" ||
    GUID.test(segment) ||
    DOMAIN.test(segment)
  );
}
