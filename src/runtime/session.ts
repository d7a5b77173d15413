/**
 * One command run for one instance: instance → cloud → credential (per `selectAuthFlow`) wrapped in the
 * shared token cache → ApiClient → `runCommand` with the auth commands wired to the credential, then the
 * outputs merged into the instance context. The Store is the only state: a later process (the CLI is one
 * per command) picks up tokens, pending device flows and sign-ins, and the context where the last one left
 * them. The auth commands and the Test button (`testInstance`) behave per flow as reference §7 says;
 * authorization code instances redeem their `auth_code` once and keep the refresh token.
 */

import { AuthorizationCodeCredential } from "../auth/authorization-code.ts";
import type { CachedCredential } from "../auth/cache/cached-credential.ts";
import { cachedCredential } from "../auth/cache/cached-credential.ts";
import { AUTH_RECORD_PREFIX, resetAuth } from "../auth/cache/reset.ts";
import { ClientCertificateCredential } from "../auth/client-certificate.ts";
import { ClientSecretCredential } from "../auth/client-secret.ts";
import { DeviceCodeCredential } from "../auth/device-code.ts";
import { AuthenticationFailedError } from "../auth/errors.ts";
import { ManagedIdentityCredential } from "../auth/managed-identity/credential.ts";
import { OAuthProxyCredential } from "../auth/oauth-proxy.ts";
import type { TokenCredential } from "../auth/types.ts";
import type { Cloud } from "../clouds/registry.ts";
import { authorityHost, scopesFor } from "../clouds/resources.ts";
import { EntrakitError } from "../errors.ts";
import { authorizedRequest, type TokenAudience } from "../http/authorized.ts";
import { createHttpClient, type HttpClient } from "../http/client.ts";
import { transportOptionsFromParams } from "../http/instance-params.ts";
import type { RetryWait } from "../http/retry.ts";
import { errorForResponse } from "../http/service-error.ts";
import { type ApiClient, createApiClient } from "../integrations/api-client.ts";
import type { CommandHandler, IntegrationModule } from "../integrations/handler.ts";
import { findIntegration, INTEGRATIONS } from "../integrations/registry.ts";
import type { AuthFlow, IntegrationDefinition } from "../integrations/types.ts";
import type { Store } from "../store/types.ts";
import { checkAuthCode } from "./auth-code.ts";
import {
  type AuthAction,
  authMessages,
  commandName,
  deviceCodeRefusal,
  loginUrlInstructions,
} from "./auth-commands.ts";
import { type CommandLine, parseCommandLine } from "./command-line.ts";
import { mergeStoredContext } from "./context-store.ts";
import type { NowFn } from "./dates.ts";
import { runCommand } from "./dispatch.ts";
import { type Instance, listInstances, loadInstance } from "./instances.ts";
import { selectAuthFlow, textParam } from "./parameters.ts";
import type { CommandResult } from "./result.ts";
import { routeCommand } from "./routing.ts";
import { fillTemplate, instanceCloud, type ResourceTarget, resourceTarget } from "./targets.ts";

export interface SessionOptions {
  store: Store;
  now?: NowFn;
  progress?: (message: string) => void;
  /** Extra HTTP settings (tests add a CA); the instance's proxy/insecure parameters still apply. */
  caFiles?: readonly string[];
  onWarning?: (message: string) => void;
}

export interface RunOutcome {
  instance: string;
  results: CommandResult[];
}

interface Wired {
  flow: AuthFlow;
  credential: TokenCredential;
  cached: CachedCredential;
  http: HttpClient;
  cloud: Cloud;
  target: ResourceTarget;
  client: ApiClient;
}

/** OpenID Connect scopes, which belong to no resource. */
const OIDC_SCOPES = new Set(["offline_access", "openid", "profile", "email"]);

/**
 * Scopes a delegated sign-in asks for: the instance's `scope` parameter when the integration has one (the
 * Graph API integration: the user picks the permissions; a bare `User.Read` is put on the resource's host of
 * the selected cloud, so a national cloud asks its own Graph), else the profile's delegated permissions, else
 * the resource's `.default`; `offline_access` always, for the refresh token.
 */
function delegatedScopes(
  module: IntegrationModule,
  instance: Instance,
  cloud: Cloud,
  target: ResourceTarget,
): string[] {
  const { resource, delegatedPermissions } = module.definition.auth;
  const chosen = textParam(instance.params.scope)
    .split(/[\s,]+/)
    .filter((scope) => scope !== "");
  const host = target.audience.scopes[0]!.replace(/\/\.default$/, "");
  const scopes =
    chosen.length > 0
      ? chosen.map((scope) => (OIDC_SCOPES.has(scope) || scope.includes("://") ? scope : `${host}/${scope}`))
      : resource && delegatedPermissions.length > 0
        ? scopesFor(cloud, resource.family, delegatedPermissions)
        : [...target.audience.scopes];
  return [...new Set([...scopes, "offline_access"])];
}

function buildCredential(
  module: IntegrationModule,
  instance: Instance,
  cloud: Cloud,
  target: ResourceTarget,
  flow: AuthFlow,
  http: HttpClient,
  store: Store,
): { credential: TokenCredential; tenant: string; clientId: string } {
  const p = instance.params;
  const definition = module.definition;
  const prefix = definition.prefix;
  const common = { cloud, http, commandPrefix: prefix };
  const state = { store, namespace: instance.name };
  const tenantId = textParam(p.tenant_id);
  const clientId = textParam(p.client_id);
  const thumbprint = textParam(p.certificate_thumbprint);
  const privateKey = textParam(p.private_key);
  switch (flow) {
    case "client_credentials_secret":
      return {
        credential: new ClientSecretCredential({
          ...common,
          tenantId,
          clientId,
          clientSecret: textParam(p.client_secret),
        }),
        tenant: tenantId,
        clientId,
      };
    case "client_credentials_certificate":
      return {
        credential: new ClientCertificateCredential({
          ...common,
          tenantId,
          clientId,
          privateKey,
          ...(thumbprint ? { thumbprint } : {}),
        }),
        tenant: tenantId,
        clientId,
      };
    case "device_code":
      return {
        credential: new DeviceCodeCredential({
          ...common,
          ...state,
          clientId,
          ...(tenantId ? { tenantId } : {}),
          scopes: delegatedScopes(module, instance, cloud, target),
          completeCommand: `!${commandName(definition, "complete")}`,
          startCommand: `!${commandName(definition, "start")}`,
        }),
        tenant: tenantId || "organizations",
        clientId,
      };
    case "authorization_code": {
      const code = checkAuthCode(textParam(p.auth_code));
      const redirectUri = textParam(p.redirect_uri);
      const loginUrl = `!${commandName(definition, "generate-login-url")}`;
      return {
        credential: new AuthorizationCodeCredential({
          ...common,
          ...state,
          tenantId,
          clientId,
          ...(privateKey
            ? { clientCertificate: { privateKey, ...(thumbprint ? { thumbprint } : {}) } }
            : { clientSecret: textParam(p.client_secret) }),
          ...(redirectUri ? { redirectUri } : {}),
          scopes: delegatedScopes(module, instance, cloud, target),
          ...(code ? { authorizationCode: code } : {}),
          signInHint: `Run ${loginUrl}, sign in, and put the code in the instance's auth_code parameter (entrakit instance add ${instance.name} ... --replace).`,
        }),
        tenant: tenantId,
        clientId,
      };
    }
    case "managed_identity": {
      const identity = textParam(p.managed_identities_client_id);
      return {
        credential: new ManagedIdentityCredential({ http, ...(identity ? { clientId: identity } : {}) }),
        tenant: "managed_identity",
        clientId: identity || "system",
      };
    }
    case "vendor_app":
      return {
        credential: new OAuthProxyCredential({
          ...state,
          http,
          id: clientId,
          token: tenantId,
          key: textParam(p.client_secret),
          appName: instance.vendorApp ?? prefix,
        }),
        tenant: tenantId,
        clientId,
      };
  }
}

/** A throttle or transient-failure wait, as the progress line shows it (the host, never the query). */
export function retryProgress(progress: (message: string) => void) {
  return (wait: RetryWait): void => {
    const seconds = Math.max(1, Math.round(wait.delayMs / 1000));
    const host = wait.target.replace(/^https?:\/\//, "").split("/")[0];
    progress(`${host} answered ${wait.reason}; retrying in ${seconds} s (attempt ${wait.attempt})`);
  };
}

/** Builds the credential chain and API client of an instance. The caller closes `http`. */
export function wireInstance(module: IntegrationModule, instance: Instance, options: SessionOptions): Wired {
  const definition = module.definition;
  const flow = selectAuthFlow(definition, instance.params);
  const cloud = instanceCloud(instance);
  const delegated = flow === "device_code" || flow === "authorization_code";
  const target = resourceTarget(
    definition,
    instance,
    cloud,
    delegated ? (definition.profile.delegatedResource ?? 0) : 0,
  );
  const http = createHttpClient({
    ...transportOptionsFromParams(instance.params),
    ...(options.caFiles ? { caFiles: options.caFiles } : {}),
    ...(options.onWarning ? { onWarning: options.onWarning } : {}),
    ...(options.progress ? { onRetry: retryProgress(options.progress) } : {}),
  });
  const built = buildCredential(module, instance, cloud, target, flow, http, options.store);
  const cached = cachedCredential(built.credential, {
    keyParts: {
      authorityHost: flow === "managed_identity" ? "managed_identity" : authorityHost(cloud),
      tenant: built.tenant,
      clientId: built.clientId,
      flow,
    },
    store: options.store,
    namespace: instance.name,
    ...(options.now ? { now: options.now } : {}),
  });
  const client = createApiClient({
    http,
    credential: cached,
    baseUrl: target.baseUrl,
    audience: audienceFor(definition, flow, target),
  });
  return { flow, credential: built.credential, cached, http, cloud, target, client };
}

/**
 * Managed identities are asked for the v1 resource exactly as the cloud tables write it
 * (`resource=https://graph.microsoft.com/`, as the reference sends to IMDS); so are client credentials of
 * a profile whose reference uses the v1 token endpoint (`tokenEndpoint: "v1"`: Key Vault, Log Analytics).
 * Every other flow uses the v2 `.default` scope.
 */
export function audienceFor(
  definition: IntegrationDefinition,
  flow: AuthFlow,
  target: ResourceTarget,
): TokenAudience {
  const v1ClientCredentials =
    definition.profile.tokenEndpoint === "v1" &&
    (flow === "client_credentials_secret" || flow === "client_credentials_certificate");
  return flow === "managed_identity" || v1ClientCredentials ? { resource: target.resource } : target.audience;
}

/** The profile's connectivity probe (a cheap request that proves licence and permissions), if any. */
async function probe(module: IntegrationModule, instance: Instance, wired: Wired): Promise<void> {
  const spec = module.definition.auth.connectivityTest.probe;
  if (!spec) {
    await wired.cached.getToken(audienceFor(module.definition, wired.flow, wired.target));
    return;
  }
  const target =
    spec.resource === 0
      ? wired.target
      : resourceTarget(module.definition, instance, wired.cloud, spec.resource);
  const url = new URL(
    `${target.baseUrl.replace(/\/+$/, "")}${fillTemplate(spec.path, instance.params, module.definition, true)}`,
  );
  for (const [name, value] of Object.entries(spec.query ?? {})) url.searchParams.append(name, value);
  // The status is the answer: Storage lists its containers and queues in XML, not JSON.
  const post = spec.method === "POST";
  const response = await authorizedRequest(
    wired.http,
    wired.cached,
    audienceFor(module.definition, wired.flow, target),
    {
      method: spec.method,
      url: url.href,
      headers: { accept: "application/json", ...(post ? { "content-type": "application/json" } : {}) },
      ...(post ? { body: "{}" } : {}),
    },
  );
  if (response.status < 200 || response.status >= 300) throw errorForResponse(response);
}

/**
 * The Test button (`entrakit instance test`) and `<prefix>-auth-test`: device code refuses until signed in
 * (reference §7); authorization code redeems the configured code (or uses the kept refresh token); the
 * other flows get a token. Then the profile's probe.
 */
async function testConnection(module: IntegrationModule, instance: Instance, wired: Wired, store: Store) {
  const definition = module.definition;
  if (wired.flow === "device_code" && !(await hasToken(store, instance.name))) {
    const refusal = deviceCodeRefusal(definition);
    if (refusal !== undefined) {
      throw new EntrakitError("authentication_required", refusal.trim().replace(/\s*\n\s*/g, " "));
    }
  }
  await probe(module, instance, wired);
  return authMessages(definition).testSuccess;
}

function authHandlers(
  module: IntegrationModule,
  instance: Instance,
  wired: Wired,
  store: Store,
): Partial<Record<AuthAction, CommandHandler>> {
  const definition = module.definition;
  const messages = authMessages(definition);
  const only = <T>(
    credential: unknown,
    kind: new (...args: never[]) => T,
    action: AuthAction,
    flowName: string,
  ): T => {
    if (credential instanceof kind) return credential;
    throw new EntrakitError(
      "usage",
      `!${commandName(definition, action)} is for ${flowName} instances; ${instance.name} does not use it.`,
      { hint: `Run !${commandName(definition, "test")} or entrakit instance test ${instance.name} instead.` },
    );
  };
  const deviceCode = (action: AuthAction) =>
    only(wired.credential, DeviceCodeCredential, action, "Device Code");
  return {
    test: async () => [{ readable: await testConnection(module, instance, wired, store) }],
    start: async () => {
      const started = await deviceCode("start").start();
      return [{ readable: started.instructions }];
    },
    complete: async () => {
      await deviceCode("complete").complete({ singlePoll: true });
      return [{ readable: messages.completeSuccess }];
    },
    "generate-login-url": async () => {
      const credential = only(
        wired.credential,
        AuthorizationCodeCredential,
        "generate-login-url",
        "Authorization Code",
      );
      const { url } = await credential.createLoginUrl();
      return [{ readable: loginUrlInstructions(url) }];
    },
    reset: async () => {
      if (wired.credential instanceof AuthorizationCodeCredential) await wired.credential.reset();
      await resetAuth(store, instance.name, { caches: [wired.cached.cache] });
      return [{ readable: messages.reset }];
    },
  };
}

/**
 * A configured authorization code Entra refuses (already redeemed, expired) cannot be retried: say to
 * sign in again rather than show the raw AADSTS error.
 */
function explainAuthCodeFailure(
  error: unknown,
  module: IntegrationModule,
  instance: Instance,
  flow: AuthFlow,
): unknown {
  if (
    flow === "authorization_code" &&
    error instanceof AuthenticationFailedError &&
    (error.error === "invalid_grant" || /no pending sign-in/.test(error.message)) &&
    textParam(instance.params.auth_code) !== ""
  ) {
    const loginUrl = commandName(module.definition, "generate-login-url");
    return new EntrakitError(
      "authentication_failed",
      `The authorization code of ${instance.name} was refused: it was already used or has expired.`,
      {
        cause: error,
        hint: `Run !${loginUrl}, sign in again, and put the new code in auth_code (entrakit instance add ${instance.name} ... --replace).`,
      },
    );
  }
  return error;
}

/** Whether a delegated sign-in left anything behind (a refresh token or a cached access token). */
async function hasToken(store: Store, namespace: string): Promise<boolean> {
  const keys = await store.list(namespace, AUTH_RECORD_PREFIX);
  return keys.some((key) => !key.startsWith("auth.device_flow"));
}

/**
 * Runs `work` with the instance wired (wireInstance), explains a refused authorization code, and always
 * lets the token cache finish its writes and closes the HTTP client.
 */
async function withWired<T>(
  module: IntegrationModule,
  instance: Instance,
  options: SessionOptions,
  work: (wired: Wired) => Promise<T>,
): Promise<T> {
  const wired = wireInstance(module, instance, options);
  try {
    return await work(wired);
  } catch (error) {
    throw explainAuthCodeFailure(error, module, instance, wired.flow);
  } finally {
    await wired.cached.cache.idle();
    await wired.http.close();
  }
}

/** Parses and runs one War Room line against the instance it routes to. */
export async function runLine(text: string, options: SessionOptions): Promise<RunOutcome> {
  const line: CommandLine = parseCommandLine(text);
  const { module, instance: ref } = routeCommand(
    INTEGRATIONS,
    await listInstances(options.store),
    line.command,
    line.using,
  );
  const instance = await loadInstance(options.store, ref.name);
  return withWired(module, instance, options, async (wired) => {
    const results = await runCommand(module, line, {
      client: wired.client,
      now: options.now ?? Date.now,
      ...(options.progress ? { progress: options.progress } : {}),
      auth: authHandlers(module, instance, wired, options.store),
    });
    // Into the instance context (runtime/context-store.ts: in pieces, CAS).
    const outputs = results.flatMap((result) => (result.outputs ? [result.outputs] : []));
    await mergeStoredContext(options.store, instance.name, outputs);
    return { instance: instance.name, results };
  });
}

/** The Test button for a stored instance: resolves to the success text, or throws the failure. */
export async function testInstance(name: string, options: SessionOptions): Promise<string> {
  const instance = await loadInstance(options.store, name);
  const module = findIntegration(instance.integration);
  return withWired(module, instance, options, (wired) =>
    testConnection(module, instance, wired, options.store),
  );
}
