/**
 * The emulator's configuration file (JSON or YAML) and the seeding documents of the admin API, validated
 * with zod. Directory objects given here are added on top of the well-known development directory (unless
 * `seedDefaults: false`); module sections (`graph`, `managedIdentity`, ...) pass through to the modules.
 */
import { createHash, randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { extname } from "node:path";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { EntrakitError } from "../errors.ts";
import type { ConsentRecord } from "./contracts.ts";
import { certificateRecordFromPem, type MemoryDirectory } from "./directory.ts";
import { identityOptionsSchema } from "./identity/context.ts";

const guid = z
  .string()
  .regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, "must be a GUID");
/** An instant: epoch milliseconds or an ISO 8601 date. */
const instant = z.union([z.number().int(), z.iso.datetime({ offset: true }), z.iso.date()]);
const permission = z.object({ resource: z.string().min(1), value: z.string().min(1) });

export const tenantSchema = z.strictObject({
  id: guid,
  domain: z.string().min(3),
  displayName: z.string().min(1).optional(),
  licences: z
    .strictObject({ entraIdP1: z.boolean().default(false), entraIdP2: z.boolean().default(false) })
    .optional(),
});

export const userSchema = z.strictObject({
  id: guid.optional(),
  /** Tenant GUID or domain. */
  tenant: z.string().min(1),
  userPrincipalName: z.string().includes("@"),
  displayName: z.string().min(1).optional(),
  password: z.string().min(1),
  directoryRoles: z.array(z.string()).default([]),
  givenName: z.string().optional(),
  surname: z.string().optional(),
  mail: z.string().optional(),
  jobTitle: z.string().optional(),
});

export const appSchema = z.strictObject({
  clientId: guid,
  objectId: guid.optional(),
  displayName: z.string().min(1),
  /** Tenant GUID or domain. */
  homeTenant: z.string().min(1),
  secrets: z
    .array(
      z.strictObject({
        value: z.string().min(1),
        keyId: guid.optional(),
        /** Default: ten years after start. */
        expiresAt: instant.optional(),
      }),
    )
    .default([]),
  certificates: z
    .array(z.strictObject({ pem: z.string().includes("BEGIN CERTIFICATE"), keyId: guid.optional() }))
    .default([]),
  redirectUris: z.array(z.url()).default([]),
  allowPublicClient: z.boolean().default(false),
  multiTenant: z.boolean().default(false),
  applicationPermissions: z.array(permission).default([]),
  delegatedScopes: z.array(permission).default([]),
});

export const consentSchema = z.strictObject({
  tenant: z.string().min(1),
  clientId: guid,
  /** Resource appId or identifier URI. */
  resource: z.string().min(1),
  applicationPermissions: z.array(z.string()).default([]),
  delegated: z
    .array(
      z.strictObject({
        principal: z.union([z.literal("admin"), z.string().min(1)]),
        scopes: z.array(z.string()),
      }),
    )
    .default([]),
});

export const managedIdentitySchema = z.strictObject({
  kind: z.enum(["system", "user"]),
  tenant: z.string().min(1),
  clientId: guid,
  objectId: guid,
  resourceId: z.string().startsWith("/subscriptions/").optional(),
  vm: z.string().optional(),
  /** Application permissions per resource (appId or identifier URI). */
  roles: z.record(z.string(), z.array(z.string())).optional(),
});

export const resourceApiSchema = z.strictObject({
  appId: guid,
  displayName: z.string().min(1),
  identifierUris: z.array(z.string().min(1)).min(1),
  appRoles: z.array(z.string()).default([]),
  scopes: z.array(z.string()).default([]),
  accessTokenVersion: z.union([z.literal(1), z.literal(2)]).optional(),
});

export const faultSchema = z.strictObject({
  method: z.string().optional(),
  path: z.string().optional(),
  count: z.number().int().positive().optional(),
  persistent: z.boolean().optional(),
  status: z.number().int().min(100).max(599).optional(),
  body: z.unknown().optional(),
  headers: z.record(z.string(), z.string()).optional(),
  retryAfterSeconds: z.number().int().nonnegative().optional(),
  latencyMs: z.number().int().nonnegative().optional(),
});

/** The seedable directory objects (config file and `POST /_emulator/directory`). */
export const directoryDocumentSchema = z.strictObject({
  tenants: z.array(tenantSchema).default([]),
  users: z.array(userSchema).default([]),
  apps: z.array(appSchema).default([]),
  consents: z.array(consentSchema).default([]),
  managedIdentities: z.array(managedIdentitySchema).default([]),
  resourceApis: z.array(resourceApiSchema).default([]),
});

export const emulatorConfigSchema = z.looseObject({
  /** Keep the documented development directory (default true). */
  seedDefaults: z.boolean().default(true),
  ...directoryDocumentSchema.shape,
  faults: z.array(faultSchema).default([]),
  clock: z.strictObject({ now: instant, frozen: z.boolean().default(false) }).optional(),
  requestLogCapacity: z.number().int().positive().max(1_000_000).default(1000),
  /** The identity module's options (also read by the module itself, which applies the defaults). */
  identity: identityOptionsSchema.optional(),
});

export type EmulatorConfig = z.infer<typeof emulatorConfigSchema>;
export type DirectoryDocument = z.infer<typeof directoryDocumentSchema>;

/** Validates a config object, or throws a one-line configuration error naming the bad field. */
export function parseConfig(value: unknown, source = "emulator config"): EmulatorConfig {
  return parseWith(emulatorConfigSchema, value ?? {}, source);
}

export function parseDirectoryDocument(value: unknown, source = "directory document"): DirectoryDocument {
  return parseWith(directoryDocumentSchema, value ?? {}, source);
}

function parseWith<T extends z.ZodType>(schema: T, value: unknown, source: string): z.infer<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const where = issue.path.length > 0 ? issue.path.map(String).join(".") : "(top level)";
  throw new EntrakitError("configuration", `Invalid ${source}: ${where}: ${issue.message}.`, {
    hint: 'Fix that field (see docs/emulator.md, "Seeding") and start again.',
  });
}

/** Reads a JSON (`.json`) or YAML (anything else) config file. */
export async function loadConfigFile(path: string): Promise<EmulatorConfig> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new EntrakitError(
      "configuration",
      `Cannot read the emulator config ${path}: ${(error as Error).message}.`,
      {
        hint: "Pass an existing JSON or YAML file with --config.",
      },
    );
  }
  let value: unknown;
  try {
    value = extname(path).toLowerCase() === ".json" ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new EntrakitError(
      "configuration",
      `The emulator config ${path} is not valid ${extname(path) === ".json" ? "JSON" : "YAML"}: ${(error as Error).message.split("\n")[0]}`,
      {
        hint: "Fix the syntax error and start again.",
      },
    );
  }
  return parseConfig(value, `emulator config ${path}`);
}

export function instantToMs(value: number | string): number {
  return typeof value === "number" ? value : Date.parse(value);
}

const TEN_YEARS_MS = 10 * 365 * 24 * 3600 * 1000;

/** Adds (or replaces, by id) every object of the document in the directory, in dependency order. */
export function applyDirectoryDocument(
  directory: MemoryDirectory,
  doc: DirectoryDocument,
  now: number,
): void {
  const tenantId = (ref: string, what: string): string => {
    const tenant = directory.tenant(ref);
    if (!tenant)
      throw new EntrakitError("configuration", `${what}: unknown tenant "${ref}".`, {
        hint: "Add the tenant under tenants first.",
      });
    return tenant.id;
  };
  const resourceAppId = (ref: string, what: string): string => {
    const api = directory.resourceApi(ref);
    if (!api)
      throw new EntrakitError("configuration", `${what}: unknown resource API "${ref}".`, {
        hint: "Use a resource appId or identifier URI, or add it under resourceApis.",
      });
    return api.appId;
  };
  for (const api of doc.resourceApis) directory.putResourceApi(api);
  for (const t of doc.tenants) {
    directory.putTenant({
      id: t.id,
      domain: t.domain,
      displayName: t.displayName ?? t.domain,
      licences: t.licences ?? { entraIdP1: false, entraIdP2: false },
    });
  }
  for (const u of doc.users) {
    const tid = tenantId(u.tenant, `User ${u.userPrincipalName}`);
    directory.putUser({
      id: u.id ?? stableGuid(`user:${tid}:${u.userPrincipalName.toLowerCase()}`),
      tenantId: tid,
      userPrincipalName: u.userPrincipalName,
      displayName: u.displayName ?? u.userPrincipalName.split("@")[0]!,
      password: u.password,
      directoryRoles: u.directoryRoles,
      givenName: u.givenName,
      surname: u.surname,
      mail: u.mail ?? u.userPrincipalName,
      jobTitle: u.jobTitle,
    });
  }
  for (const a of doc.apps) {
    const what = `App ${a.displayName}`;
    const checkPermission = (p: { resource: string; value: string }) => ({
      resource: resourceAppId(p.resource, what),
      value: p.value,
    });
    directory.putApp({
      clientId: a.clientId,
      objectId: a.objectId ?? stableGuid(`app:${a.clientId.toLowerCase()}`),
      displayName: a.displayName,
      homeTenantId: tenantId(a.homeTenant, what),
      secrets: a.secrets.map((s) => ({
        keyId: s.keyId ?? randomUUID(),
        hint: s.value.slice(0, 3),
        value: s.value,
        expiresAt: s.expiresAt === undefined ? now + TEN_YEARS_MS : instantToMs(s.expiresAt),
      })),
      certificates: a.certificates.map((c) => {
        try {
          return certificateRecordFromPem(c.pem, c.keyId ?? randomUUID());
        } catch (error) {
          throw new EntrakitError(
            "configuration",
            `${what}: a certificate is not a valid PEM certificate (${(error as Error).message}).`,
            {
              hint: "Upload the public certificate (-----BEGIN CERTIFICATE-----), not the private key.",
            },
          );
        }
      }),
      redirectUris: a.redirectUris,
      allowPublicClient: a.allowPublicClient,
      multiTenant: a.multiTenant,
      applicationPermissions: a.applicationPermissions.map(checkPermission),
      delegatedScopes: a.delegatedScopes.map(checkPermission),
    });
  }
  for (const c of doc.consents) {
    const tid = tenantId(c.tenant, `Consent for ${c.clientId}`);
    const delegated: ConsentRecord["delegated"] = c.delegated.map((d) => {
      if (d.principal === "admin") return { principal: "admin", scopes: d.scopes };
      const user = directory.user(tid, d.principal);
      if (!user)
        throw new EntrakitError(
          "configuration",
          `Consent for ${c.clientId}: unknown user "${d.principal}" in tenant ${tid}.`,
          { hint: 'Use "admin" or a user\'s UPN or object id.' },
        );
      return { principal: { userId: user.id }, scopes: d.scopes };
    });
    directory.grantConsent({
      tenantId: tid,
      clientId: c.clientId,
      resourceAppId: resourceAppId(c.resource, `Consent for ${c.clientId}`),
      applicationPermissions: c.applicationPermissions,
      delegated,
    });
  }
  for (const m of doc.managedIdentities) {
    const what = `Managed identity ${m.clientId}`;
    const roles = m.roles
      ? Object.fromEntries(
          Object.entries(m.roles).map(([resource, values]) => [resourceAppId(resource, what), values]),
        )
      : undefined;
    directory.putManagedIdentity({
      kind: m.kind,
      tenantId: tenantId(m.tenant, what),
      clientId: m.clientId,
      objectId: m.objectId,
      resourceId: m.resourceId,
      vm: m.vm,
      roles,
    });
  }
}

/** A GUID derived from a name, so config objects without ids get the same id on every start. */
export function stableGuid(name: string): string {
  const hex = createHash("sha256").update(name).digest("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${((Number.parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
