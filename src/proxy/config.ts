/**
 * The proxy's configuration file (YAML or JSON), validated with zod. Apps are listed by `app_name`; each
 * names its Entra client id, credential (secret or certificate), cloud, kind and defaults, and what the
 * consent page shows. Secrets may be given inline, from a file or from an environment variable, so the file
 * itself can be kept free of them.
 */
import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, extname, isAbsolute, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { type Cloud, ENDPOINT_NAMES, type EndpointName, isCloudId, selectCloud } from "../clouds/index.ts";
import { EntrakitError } from "../errors.ts";

const guid = z
  .string()
  .regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, "must be a GUID");

/** `value`, `<name>_file` or `<name>_env`: exactly one. */
const secretSource = z
  .strictObject({
    value: z.string().min(1).optional(),
    file: z.string().min(1).optional(),
    env: z.string().min(1).optional(),
  })
  .refine((s) => [s.value, s.file, s.env].filter((v) => v !== undefined).length === 1, {
    message: "give exactly one of value, file or env",
  });

const credentialSchema = z.union([
  z.strictObject({ secret: secretSource }),
  z.strictObject({
    certificate: secretSource,
    private_key: secretSource,
    /** Send the certificate chain (x5c) for subject name / issuer authentication. */
    send_chain: z.boolean().default(false),
  }),
]);

const permissionSchema = z.union([
  z.string().min(1),
  z.strictObject({ name: z.string().min(1), description: z.string().default("") }),
]);

const appSchema = z.strictObject({
  app_name: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, "use 1-64 letters, digits, dots, dashes or underscores"),
  client_id: guid,
  kind: z.enum(["application", "delegated"]),
  credential: credentialSchema,
  /** `com`, `gcc`, `gcc-high`, `dod`, `cn`, `custom`, or a display name (`US GCC-High`). */
  cloud: z.string().default("com"),
  /** Endpoint overrides (make the cloud custom), e.g. `login` for a private or emulated identity platform. */
  endpoints: z.record(z.string(), z.url()).optional(),
  /** application: the resource whose `/.default` scope client credentials ask for. Default: the cloud's Graph. */
  resource: z.string().min(1).optional(),
  /** delegated: the scopes to consent to and refresh with (offline_access is added). */
  scopes: z.array(z.string().min(1)).default([]),
  display_name: z.string().min(1),
  description: z.string().default(""),
  publisher: z.string().optional(),
  /** What the consent page lists, e.g. `IdentityRiskyUser.Read.All` with a sentence each. */
  permissions: z.array(permissionSchema).default([]),
  /** The entrakit integration id for the ready `entrakit instance add` line (e.g. `AzureRiskyUsers`). */
  integration: z.string().min(1).optional(),
  /**
   * application: after admin consent, sign the administrator in to the consenting tenant (OpenID
   * Connect) and require the ID token's tenant to match, because the admin consent redirect's `tenant`
   * is not signed. Default true; false gives the reference's one-step flow.
   */
  confirm_tenant: z.boolean().default(true),
});

const rateSchema = z.strictObject({
  requests: z.number().int().positive(),
  per_seconds: z.number().positive().default(60),
});

export const proxyConfigSchema = z.strictObject({
  /** The URL customers and instances reach the proxy at (used in the ID and the redirect URI). */
  public_url: z.url(),
  listen: z
    .strictObject({
      host: z.string().min(1).default("127.0.0.1"),
      port: z.number().int().min(0).max(65535).default(8443),
    })
    .default({ host: "127.0.0.1", port: 8443 }),
  tls: z.strictObject({ cert_file: z.string().min(1), key_file: z.string().min(1) }).optional(),
  /** Store URL (`sqlite:`, `sqlite:/path`, `redis://...`); default `$ENTRAKIT_STORE`, else SQLite. */
  store: z.string().min(1).optional(),
  /** Trust X-Forwarded-For / X-Forwarded-Proto (only behind a reverse proxy that sets them). */
  trust_forwarded_headers: z.boolean().default(false),
  /** JSON lines audit log: a file path, or `-` for standard output. Default: standard output. */
  audit_log: z.string().min(1).default("-"),
  rate_limits: z
    .strictObject({
      per_registration: rateSchema.default({ requests: 120, per_seconds: 60 }),
      per_address: rateSchema.default({ requests: 600, per_seconds: 60 }),
    })
    .default({
      per_registration: { requests: 120, per_seconds: 60 },
      per_address: { requests: 600, per_seconds: 60 },
    }),
  /** Extra CA certificates (PEM files) to trust when calling the identity platform. */
  trusted_ca_files: z.array(z.string().min(1)).default([]),
  apps: z.array(appSchema).min(1, "list at least one app"),
});

export type ProxyConfigInput = z.input<typeof proxyConfigSchema>;
type RawConfig = z.infer<typeof proxyConfigSchema>;
type RawApp = z.infer<typeof appSchema>;

export type AppCredential =
  | { kind: "secret"; secret: string }
  | { kind: "certificate"; certificatePem: string; privateKeyPem: string; sendChain: boolean };

export interface ProxyApp {
  appName: string;
  clientId: string;
  kind: "application" | "delegated";
  credential: AppCredential;
  cloud: Cloud;
  /** application: resource for client credentials (no trailing slash). */
  resource: string;
  /** delegated: scopes without offline_access. */
  scopes: string[];
  displayName: string;
  description: string;
  publisher: string | undefined;
  permissions: Array<{ name: string; description: string }>;
  integration: string | undefined;
  confirmTenant: boolean;
}

export interface RateLimit {
  requests: number;
  perSeconds: number;
}

export interface ProxyConfig {
  publicUrl: string;
  listen: { host: string; port: number };
  tls: { certFile: string; keyFile: string } | undefined;
  store: string | undefined;
  trustForwardedHeaders: boolean;
  auditLog: string;
  rateLimits: { perRegistration: RateLimit; perAddress: RateLimit };
  trustedCaFiles: string[];
  apps: Map<string, ProxyApp>;
}

export interface ResolveOptions {
  /** Where relative file paths are resolved from (the config file's folder). */
  baseDir?: string;
  env?: Readonly<Record<string, string | undefined>>;
}

/** Validates a config object and resolves secrets, files and clouds; one-line errors name the field. */
export function parseProxyConfig(
  value: unknown,
  options: ResolveOptions = {},
  source = "proxy config",
): ProxyConfig {
  const result = proxyConfigSchema.safeParse(value ?? {});
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const where = issue.path.length > 0 ? issue.path.map(String).join(".") : "(top level)";
    throw configError(`Invalid ${source}: ${where}: ${issue.message}.`);
  }
  return resolveConfig(result.data, options, source);
}

export async function loadProxyConfig(
  path: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<ProxyConfig> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw configError(
      `Cannot read the proxy config ${path}: ${(error as NodeJS.ErrnoException).code ?? "unreadable"}.`,
      "Pass an existing YAML or JSON file with --config.",
    );
  }
  let value: unknown;
  try {
    value = extname(path).toLowerCase() === ".json" ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw configError(
      `The proxy config ${path} is not valid ${extname(path) === ".json" ? "JSON" : "YAML"}: ${(error as Error).message.split("\n")[0]}`,
      "Fix the syntax error and start again.",
    );
  }
  return parseProxyConfig(value, { baseDir: dirname(resolve(path)), env }, `proxy config ${path}`);
}

/**
 * Only the store URL of a config file, without resolving its secrets: the registration commands need
 * the store, not the apps' credentials (whose environment variables may only exist on the server).
 */
export async function readConfiguredStore(path: string): Promise<string | undefined> {
  let value: unknown;
  try {
    value = parseYaml(await readFile(path, "utf8"));
  } catch (error) {
    throw configError(
      `Cannot read the proxy config ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message.split("\n")[0]}.`,
      "Pass the proxy's YAML or JSON config with --config, or the store URL with --store.",
    );
  }
  const store = (value as { store?: unknown } | null)?.store;
  return typeof store === "string" && store !== "" ? store : undefined;
}

function resolveConfig(raw: RawConfig, options: ResolveOptions, source: string): ProxyConfig {
  const baseDir = options.baseDir ?? process.cwd();
  const env = options.env ?? process.env;
  const file = (path: string) => (isAbsolute(path) ? path : resolve(baseDir, path));
  const publicUrl = raw.public_url.replace(/\/+$/, "");
  const apps = new Map<string, ProxyApp>();
  raw.apps.forEach((app, index) => {
    const where = `${source}: apps.${index} (${app.app_name})`;
    if (apps.has(app.app_name)) throw configError(`${where}: app_name is listed twice.`);
    apps.set(
      app.app_name,
      resolveApp(app, where, (s, f) => readSecret(s, f, where, file, env)),
    );
  });
  return {
    publicUrl,
    listen: raw.listen,
    tls: raw.tls ? { certFile: file(raw.tls.cert_file), keyFile: file(raw.tls.key_file) } : undefined,
    store: raw.store,
    trustForwardedHeaders: raw.trust_forwarded_headers,
    auditLog: raw.audit_log === "-" ? "-" : file(raw.audit_log),
    rateLimits: {
      perRegistration: {
        requests: raw.rate_limits.per_registration.requests,
        perSeconds: raw.rate_limits.per_registration.per_seconds,
      },
      perAddress: {
        requests: raw.rate_limits.per_address.requests,
        perSeconds: raw.rate_limits.per_address.per_seconds,
      },
    },
    trustedCaFiles: raw.trusted_ca_files.map(file),
    apps,
  };
}

type SecretSource = { value?: string | undefined; file?: string | undefined; env?: string | undefined };

function resolveApp(
  app: RawApp,
  where: string,
  secret: (source: SecretSource, field: string) => string,
): ProxyApp {
  const unknown = Object.keys(app.endpoints ?? {}).find(
    (name) => !(ENDPOINT_NAMES as readonly string[]).includes(name),
  );
  if (unknown) {
    throw configError(
      `${where}: endpoints.${unknown} is not a cloud endpoint name.`,
      `Use one of ${ENDPOINT_NAMES.slice(0, 4).join(", ")}, ... (see src/clouds/registry.ts).`,
    );
  }
  const cloudName = app.cloud.trim();
  let cloud: Cloud;
  try {
    cloud = selectCloud(
      {
        azure_cloud: isCloudId(cloudName.toLowerCase()) ? cloudName.toLowerCase() : cloudName,
        ...(app.endpoints ? { endpoints: app.endpoints as Partial<Record<EndpointName, string>> } : {}),
      },
      {},
    );
  } catch (error) {
    throw configError(`${where}: cloud: ${(error as Error).message}`, "Use com, gcc, gcc-high, dod or cn.");
  }
  const credential: AppCredential =
    "secret" in app.credential
      ? { kind: "secret", secret: secret(app.credential.secret, "credential.secret") }
      : {
          kind: "certificate",
          certificatePem: secret(app.credential.certificate, "credential.certificate"),
          privateKeyPem: secret(app.credential.private_key, "credential.private_key"),
          sendChain: app.credential.send_chain,
        };
  if (credential.kind === "certificate" && !credential.certificatePem.includes("BEGIN CERTIFICATE")) {
    throw configError(`${where}: credential.certificate is not a PEM certificate.`);
  }
  if (app.kind === "delegated" && app.scopes.length === 0) {
    throw configError(
      `${where}: a delegated app needs scopes.`,
      "List the delegated permissions as scopes, e.g. https://graph.microsoft.com/User.Read.",
    );
  }
  const graph = (cloud.endpoints.graph ?? "").replace(/\/+$/, "");
  return {
    appName: app.app_name,
    clientId: app.client_id.toLowerCase(),
    kind: app.kind,
    credential,
    cloud,
    resource: (app.resource ?? graph).replace(/\/+$/, ""),
    scopes: app.scopes.filter((s) => s !== "offline_access"),
    displayName: app.display_name,
    description: app.description,
    publisher: app.publisher,
    permissions: app.permissions.map((p) =>
      typeof p === "string" ? { name: p, description: "" } : { name: p.name, description: p.description },
    ),
    integration: app.integration,
    confirmTenant: app.kind === "application" && app.confirm_tenant,
  };
}

function readSecret(
  source: SecretSource,
  field: string,
  where: string,
  file: (path: string) => string,
  env: Readonly<Record<string, string | undefined>>,
): string {
  if (source.value !== undefined) return source.value;
  if (source.env !== undefined) {
    const value = env[source.env];
    if (!value) throw configError(`${where}: ${field}: the environment variable ${source.env} is not set.`);
    return value;
  }
  try {
    return readFileSync(file(source.file!), "utf8").trim();
  } catch (error) {
    throw configError(
      `${where}: ${field}: cannot read ${source.file} (${(error as NodeJS.ErrnoException).code ?? "unreadable"}).`,
    );
  }
}

function configError(
  message: string,
  hint = "Fix the proxy config (see docs/proxy.md) and start again.",
): EntrakitError {
  return new EntrakitError("configuration", message, { hint });
}
