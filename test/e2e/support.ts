/**
 * Test support for the end-to-end matrix over the 37 auth profiles: one emulator (with the real OAuth
 * proxy in front of it for the vendor app) where every identity a flow signs in as holds the roles the
 * connectivity probes need, and the instance parameters that ask one profile for one flow, aimed at the
 * emulator (Custom cloud, per-vault / per-cluster / per-tenant addresses through `toEmulatorUrl`).
 */

import assert from "node:assert/strict";
import { createHash, randomBytes, randomUUID, X509Certificate } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeJwt } from "jose";
import { CLOUDS } from "../../src/clouds/registry.ts";
import { CONNECTIVITY_ROLES, connectivityConsents } from "../../src/emulator/resources/grants.ts";
import { toEmulatorUrl } from "../../src/emulator/resources/hosts.ts";
import type { RunningEmulator } from "../../src/emulator/server.ts";
import { DEV_APP, DEV_TENANT, DEV_VM } from "../../src/emulator/well-known.ts";
import { type IntegrationProfile, resolveResources } from "../../src/integrations/profiles/index.ts";
import type { AuthFlow, IntegrationDefinition } from "../../src/integrations/types.ts";
import { emulatorEndpoints } from "../../src/runtime/emulator-endpoints.ts";
import type { InstanceInput } from "../../src/runtime/instances.ts";
import { openStore } from "../../src/store/index.ts";
import type { Store } from "../../src/store/types.ts";
import { createTestCertificate } from "../auth/fixtures.ts";
import { APPLICATION_APP, type Stack, startStack } from "../proxy/support.ts";

/** A user-assigned identity on the emulator's VM that holds every connectivity role. */
export const PROBE_IDENTITY = {
  clientId: "3f8a2d6c-9b1e-4c75-a0d4-6e2b8f1c3a97",
  objectId: "a7c3e1f9-2d4b-4e86-b5a0-9c1d3f7e2b48",
} as const;

/** OpenID Connect scopes: consented with the sign-in itself, not per API. */
const SIGN_IN_SCOPES = new Set(["openid", "profile", "email", "offline_access"]);

/** The dev app's redirect URI for authorization code sign-ins. */
export const REDIRECT_URI = "http://localhost/callback";

export interface E2eStack {
  stack: Stack;
  emuUrl: string;
  store: Store;
  /** The vendor app's triple from a proxy registration for the dev tenant. */
  vendor: { id: string; key: string };
  certificate: { thumbprint: string; privateKeyPem: string };
  /** The App Service managed identity environment the emulator hands out. */
  identityEnv: Record<string, string>;
  close(): Promise<void>;
}

/**
 * The emulator and proxy, with: connectivity roles consented to the dev app and the vendor app in the dev
 * tenant, a certificate uploaded to the dev app, the probe identity on the VM, a proxy registration, and
 * a SQLite store in a temporary folder.
 */
export async function startE2eStack(): Promise<E2eStack> {
  const stack = await startStack({ preConsented: true });
  const emu = stack.emulator;
  emu.admin.seed({
    consents: [
      ...connectivityConsents(DEV_TENANT.id, DEV_APP.clientId),
      ...connectivityConsents(DEV_TENANT.id, APPLICATION_APP.clientId),
      // An admin consents, for the whole tenant, every delegated permission each API offers the dev app.
      ...emu.core.directory
        .resourceApis()
        .filter((api) => api.scopes.length > 0)
        .map((api) => ({
          tenant: DEV_TENANT.id,
          clientId: DEV_APP.clientId,
          resource: api.appId,
          delegated: [{ principal: "admin", scopes: api.scopes.filter((s) => !SIGN_IN_SCOPES.has(s)) }],
        })),
    ],
    managedIdentities: [
      {
        kind: "user",
        tenant: DEV_TENANT.id,
        ...PROBE_IDENTITY,
        resourceId: `/subscriptions/${DEV_VM.subscriptionId}/resourcegroups/${DEV_VM.resourceGroup}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-probes`,
        vm: DEV_VM.name,
        roles: Object.fromEntries(Object.entries(CONNECTIVITY_ROLES).map(([k, v]) => [k, [...v]])),
      },
    ],
  });

  const cert = createTestCertificate("entrakit-e2e");
  const der = new X509Certificate(cert.certificatePem).raw;
  const thumbprint = createHash("sha1").update(der).digest("hex").toUpperCase();
  const app = emu.core.directory.app(DEV_APP.clientId)!;
  emu.core.directory.putApp({
    ...app,
    certificates: [
      ...app.certificates,
      {
        keyId: randomUUID(),
        certificatePem: cert.certificatePem,
        thumbprintSha1: thumbprint,
        thumbprintSha256: createHash("sha256").update(der).digest("hex").toUpperCase(),
        expiresAt: Date.now() + 365 * 86_400_000,
      },
    ],
  });

  const created = await stack.proxy.registrations.create({
    appName: APPLICATION_APP.name,
    kind: "application",
    tenantId: DEV_TENANT.id,
  });
  const response = await fetch(`${emu.url}/_emulator/managed-identity/env?source=app-service`);
  const identityEnv = (await response.json()) as Record<string, string>;

  const dir = mkdtempSync(join(tmpdir(), "entrakit-e2e-"));
  const store = await openStore({
    url: `sqlite:${join(dir, "store.db")}`,
    masterKey: randomBytes(32),
    env: {},
  });
  return {
    stack,
    emuUrl: emu.url,
    store,
    vendor: { id: `${created.registration.id}@${stack.proxy.url}/obtain-token`, key: created.key },
    certificate: { thumbprint, privateKeyPem: cert.privateKeyPem },
    identityEnv,
    async close() {
      await store.close();
      await stack.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Where the test pretends the per-account, per-vault and per-tenant services live (real addresses). */
const REAL_VALUES: Readonly<Record<string, string>> = {
  tenant_id: DEV_TENANT.id,
  vault_name: "entrakit-dev",
  cluster_url: "https://entrakit.westus.kusto.windows.net",
  url: "https://contoso.portal.cloudappsecurity.com",
  account: "entrakitdev",
  organization: "contoso",
  sub_id: DEV_VM.subscriptionId,
  subscription_id: DEV_VM.subscriptionId,
  subscriptionID: DEV_VM.subscriptionId,
  resourceGroupName: DEV_VM.resourceGroup,
  resource_group_name: DEV_VM.resourceGroup,
  workspaceName: "ws-entrakit",
  workspaceID: "ws-1",
};

const PLACEHOLDER = /\{(\w+)\}/g;

/** A template (`https://{account}.blob.core.windows.net`) filled with the real values above. */
export function fillReal(template: string): string {
  return template.replace(PLACEHOLDER, (_all, name: string) => {
    const value = REAL_VALUES[name];
    if (value === undefined) throw new Error(`no test value for {${name}}`);
    return value;
  });
}

/**
 * Instance values for the parameters a profile's addresses, scopes and probe name: identifiers as a user
 * gives them, and a parameter that forms an API host (a vault, a cluster, an account, a tenant's portal,
 * an organization) as a whole URL on the emulator (`toEmulatorUrl`), as a user aims such an instance at it.
 */
export function addressValues(profile: IntegrationProfile, emuUrl: string): Record<string, string> {
  const resources = resolveResources(profile, CLOUDS.com);
  const texts = [
    ...resources.flatMap((resource) => [resource.api, resource.scope]),
    profile.connectivityProbe?.path ?? "",
  ];
  const out: Record<string, string> = {};
  for (const text of texts) {
    for (const match of text.matchAll(PLACEHOLDER)) out[match[1]!] = fillReal(match[0]);
  }
  for (const { api } of resources) {
    // `https://{vault_name}.vault.azure.net`, `https://dev.azure.com/{organization}`, `{cluster_url}`.
    const inHost = /^https:\/\/([^/]*\{(\w+)\}[^/]*)/.exec(api);
    const inPath = /^https:\/\/[^/{]+\/\{(\w+)\}$/.exec(api);
    const whole = /^\{(\w+)\}/.exec(api);
    if (inHost) out[inHost[2]!] = toEmulatorUrl(emuUrl, fillReal(`https://${inHost[1]}`));
    else if (inPath) out[inPath[1]!] = toEmulatorUrl(emuUrl, fillReal(api));
    else if (whole) out[whole[1]!] = toEmulatorUrl(emuUrl, fillReal(whole[0]));
  }
  return out;
}

export interface RowContext {
  emuUrl: string;
  vendor: { id: string; key: string };
  certificate: { thumbprint: string; privateKeyPem: string };
}

const has = (definition: IntegrationDefinition, name: string) =>
  definition.params.some((param) => param.name === name);

/**
 * The instance input that asks `definition` for `flow` the way a user would: `authentication_type` where
 * the integration has the choice, `self_deployed` / `use_managed_identities` where those are the switch.
 */
export function instanceInput(
  name: string,
  definition: IntegrationDefinition,
  flow: AuthFlow,
  context: RowContext,
): InstanceInput {
  const params: Record<string, string> = { azure_cloud: "Custom" };
  const type = (value: string) => {
    if (has(definition, "authentication_type")) params.authentication_type = value;
  };
  const selfDeployed = () => {
    if (has(definition, "self_deployed")) params.self_deployed = "true";
  };
  const app = () => {
    params.client_id = DEV_APP.clientId;
    params.tenant_id = DEV_TENANT.id;
  };
  switch (flow) {
    case "client_credentials_secret":
      type("Client Credentials");
      selfDeployed();
      app();
      params.client_secret = DEV_APP.secret;
      break;
    case "client_credentials_certificate":
      type("Client Credentials");
      selfDeployed();
      app();
      params.certificate_thumbprint = context.certificate.thumbprint;
      params.private_key = context.certificate.privateKeyPem;
      break;
    case "device_code":
      type("Device Code");
      selfDeployed();
      app();
      break;
    case "authorization_code":
      type("Authorization Code");
      selfDeployed();
      app();
      params.client_secret = DEV_APP.secret;
      params.redirect_uri = REDIRECT_URI;
      break;
    case "managed_identity":
      if (has(definition, "authentication_type")) params.authentication_type = "Azure Managed Identities";
      else params.use_managed_identities = "true";
      params.managed_identities_client_id = PROBE_IDENTITY.clientId;
      break;
    case "vendor_app":
      params.self_deployed = "false";
      params.client_id = context.vendor.id;
      params.tenant_id = DEV_TENANT.id;
      params.client_secret = context.vendor.key;
      break;
  }
  for (const [param, value] of Object.entries(addressValues(definition.profile, context.emuUrl))) {
    if (has(definition, param) && params[param] === undefined) params[param] = value;
  }
  return {
    name,
    integration: definition.id,
    params,
    endpoints: emulatorEndpoints(context.emuUrl),
    ...(flow === "vendor_app" ? { vendorApp: APPLICATION_APP.name } : {}),
  };
}

/** The audience (`aud`) of a JWT access token; the token itself never leaves this function. */
export function audienceOf(token: string): string {
  const aud = decodeJwt(token).aud;
  return Array.isArray(aud) ? aud.join(" ") : String(aud ?? "");
}

/**
 * Checks that a token's audience is the profile's first resource (or the one given) in the real
 * (Worldwide) cloud: the
 * emulator's table of Microsoft's resource APIs resolves both to the same API, and a resource named by its
 * own URL (a cluster) is that URL, never the emulator's address.
 */
export function assertAudience(
  emu: RunningEmulator,
  profile: IntegrationProfile,
  token: string,
  resource = 0,
): void {
  const aud = audienceOf(token);
  const expected = fillReal(resolveResources(profile, CLOUDS.com)[resource]!.resource);
  const directory = emu.core.directory;
  const want = directory.resolveResource(expected);
  const got = directory.resolveResource(aud);
  assert.ok(want, `${profile.id}: the emulator knows no API for ${expected}`);
  assert.ok(got, `${profile.id}: the token's audience ${aud} is no known API`);
  assert.equal(got.api.appId, want.api.appId, `${profile.id}: audience ${aud}, expected ${expected}`);
  const norm = (value: string) => value.replace(/\/+$/, "").toLowerCase();
  if (want.api.identifierUris.some((uri) => uri.includes("*"))) {
    assert.equal(norm(aud), norm(expected), `${profile.id}: audience ${aud}`);
  }
  assert.ok(!aud.startsWith("http://"), `${profile.id}: audience ${aud}`);
}
