/**
 * One command run for one instance: instance → cloud → credential (per `selectAuthFlow`) wrapped in the
 * shared token cache → ApiClient → `runCommand` with the auth commands wired to the credential, then the
 * outputs merged into the instance context. The Store is the only state: a later process (the CLI is one
 * per command) picks up tokens, pending device flows and the context where the last one left them.
 */

import type { CachedCredential } from "../auth/cache/cached-credential.ts";
import { cachedCredential } from "../auth/cache/cached-credential.ts";
import { resetAuth } from "../auth/cache/reset.ts";
import { ClientCertificateCredential } from "../auth/client-certificate.ts";
import { ClientSecretCredential } from "../auth/client-secret.ts";
import { DeviceCodeCredential } from "../auth/device-code.ts";
import { ManagedIdentityCredential } from "../auth/managed-identity/credential.ts";
import { OAuthProxyCredential } from "../auth/oauth-proxy.ts";
import type { TokenCredential } from "../auth/types.ts";
import type { Cloud } from "../clouds/registry.ts";
import { authorityHost, scopesFor } from "../clouds/resources.ts";
import { selectCloud } from "../clouds/select.ts";
import { EntrakitError } from "../errors.ts";
import { createHttpClient, type HttpClient } from "../http/client.ts";
import { transportOptionsFromParams } from "../http/instance-params.ts";
import { apiTarget, createApiClient } from "../integrations/api-client.ts";
import type { CommandHandler, IntegrationModule } from "../integrations/handler.ts";
import { INTEGRATIONS } from "../integrations/registry.ts";
import type { AuthFlow } from "../integrations/types.ts";
import type { Json, Store } from "../store/types.ts";
import { type AuthAction, authCommandName, authMessages, deviceCodeRefusal } from "./auth-commands.ts";
import { type CommandLine, parseCommandLine } from "./command-line.ts";
import { type Context, mergeOutputs } from "./context.ts";
import type { NowFn } from "./dates.ts";
import { runCommand } from "./dispatch.ts";
import { CONTEXT_KEY, type Instance, listInstances, loadInstance } from "./instances.ts";
import { selectAuthFlow } from "./parameters.ts";
import type { CommandResult } from "./result.ts";
import { chooseInstance, moduleForCommand } from "./routing.ts";

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

const str = (value: string | boolean | undefined): string => (typeof value === "string" ? value : "");

/** The instance's cloud; a Custom cloud's `graph` override moves the API host, not the token audience. */
export function instanceCloud(instance: Instance): Cloud {
  const { graph: _graph, ...auth } = instance.endpoints;
  const azure = str(instance.params.azure_cloud);
  return selectCloud({
    azure_cloud: azure,
    ...(Object.keys(auth).length > 0 ? { endpoints: auth } : {}),
  });
}

interface Wired {
  flow: AuthFlow;
  credential: TokenCredential;
  cached: CachedCredential;
  http: HttpClient;
}

function buildCredential(
  module: IntegrationModule,
  instance: Instance,
  cloud: Cloud,
  flow: AuthFlow,
  http: HttpClient,
  store: Store,
): { credential: TokenCredential; tenant: string; clientId: string } {
  const p = instance.params;
  const prefix = module.definition.prefix;
  const common = { cloud, http, commandPrefix: prefix };
  const state = { store, namespace: instance.name };
  const tenantId = str(p.tenant_id);
  const clientId = str(p.client_id);
  switch (flow) {
    case "client_credentials_secret":
      return {
        credential: new ClientSecretCredential({
          ...common,
          tenantId,
          clientId,
          clientSecret: str(p.client_secret),
        }),
        tenant: tenantId,
        clientId,
      };
    case "client_credentials_certificate": {
      const thumbprint = str(p.certificate_thumbprint);
      return {
        credential: new ClientCertificateCredential({
          ...common,
          tenantId,
          clientId,
          privateKey: str(p.private_key),
          ...(thumbprint ? { thumbprint } : {}),
        }),
        tenant: tenantId,
        clientId,
      };
    }
    case "device_code": {
      const scopes = [
        ...scopesFor(
          cloud,
          module.definition.auth.resource.family,
          module.definition.auth.delegatedPermissions,
        ),
        "offline_access",
      ];
      return {
        credential: new DeviceCodeCredential({
          ...common,
          ...state,
          clientId,
          ...(tenantId ? { tenantId } : {}),
          scopes,
          completeCommand: `!${authCommandName(prefix, "complete")}`,
          startCommand: `!${authCommandName(prefix, "start")}`,
        }),
        tenant: tenantId || "organizations",
        clientId,
      };
    }
    case "managed_identity": {
      const identity = str(p.managed_identities_client_id);
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
          key: str(p.client_secret),
          appName: instance.vendorApp ?? prefix,
        }),
        tenant: tenantId,
        clientId,
      };
    case "authorization_code":
      throw new EntrakitError("configuration", "Authorization Code instances cannot run from the CLI yet.", {
        hint: "Use Client Credentials or Device Code for this instance.",
      });
  }
}

/** Builds the credential chain and API client of an instance. The caller closes `http`. */
export function wireInstance(
  module: IntegrationModule,
  instance: Instance,
  options: SessionOptions,
): Wired & { client: ReturnType<typeof createApiClient> } {
  const definition = module.definition;
  const flow = selectAuthFlow(definition, instance.params);
  const cloud = instanceCloud(instance);
  const http = createHttpClient({
    ...transportOptionsFromParams(instance.params),
    ...(options.caFiles ? { caFiles: options.caFiles } : {}),
    ...(options.onWarning ? { onWarning: options.onWarning } : {}),
  });
  const built = buildCredential(module, instance, cloud, flow, http, options.store);
  const target = apiTarget(cloud, definition.auth.resource);
  const graph = instance.endpoints.graph;
  const baseUrl = graph ? `${graph}${definition.auth.resource.basePath}` : target.baseUrl;
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
  const client = createApiClient({ http, credential: cached, baseUrl, audience: target.audience });
  return { flow, credential: built.credential, cached, http, client };
}

function authHandlers(
  module: IntegrationModule,
  instance: Instance,
  wired: Wired & { client: ReturnType<typeof createApiClient> },
  store: Store,
): Partial<Record<AuthAction, CommandHandler>> {
  const definition = module.definition;
  const messages = authMessages(definition);
  const deviceCode = () => {
    if (!(wired.credential instanceof DeviceCodeCredential)) {
      throw new EntrakitError(
        "usage",
        `!${authCommandName(definition.prefix, "start")} is for Device Code instances; ${instance.name} does not use it.`,
        { hint: `Run !${authCommandName(definition.prefix, "test")} instead.` },
      );
    }
    return wired.credential;
  };
  return {
    test: async () => {
      if (wired.credential instanceof DeviceCodeCredential && !(await hasToken(store, instance.name))) {
        const refusal = deviceCodeRefusal(definition);
        if (refusal !== undefined) {
          throw new EntrakitError("authentication_required", refusal.trim().replace(/\s*\n\s*/g, " "));
        }
      }
      const probe = definition.auth.connectivityTest.probe;
      if (probe) await wired.client.get(probe.path, Object.entries(probe.query ?? {}));
      else await wired.cached.getToken();
      return [{ readable: messages.testSuccess }];
    },
    start: async () => {
      const started = await deviceCode().start();
      return [{ readable: started.instructions }];
    },
    complete: async () => {
      await deviceCode().complete({ singlePoll: true });
      return [{ readable: messages.completeSuccess }];
    },
    reset: async () => {
      await resetAuth(store, instance.name, { caches: [wired.cached.cache] });
      return [{ readable: messages.reset }];
    },
  };
}

/** Whether a delegated sign-in left anything behind (a refresh token or a cached access token). */
async function hasToken(store: Store, namespace: string): Promise<boolean> {
  const keys = await store.list(namespace, "auth.");
  return keys.some((key) => !key.startsWith("auth.device_flow"));
}

/** Merges the results' outputs into the instance context (CAS, so concurrent runs do not lose merges). */
export async function mergeIntoContext(
  store: Store,
  namespace: string,
  results: CommandResult[],
): Promise<void> {
  const withOutputs = results.filter((result) => result.outputs);
  if (withOutputs.length === 0) return;
  await store.update<Json>(namespace, CONTEXT_KEY, (current) => {
    const context = ((current as Context | undefined) ?? {}) as Context;
    for (const result of withOutputs) mergeOutputs(context, result.outputs!);
    return context as Json;
  });
}

/** Parses and runs one War Room line against the instance it routes to. */
export async function runLine(text: string, options: SessionOptions): Promise<RunOutcome> {
  const line: CommandLine = parseCommandLine(text);
  const module = moduleForCommand(INTEGRATIONS, line.command);
  const ref = chooseInstance(await listInstances(options.store), module, line.using);
  const instance = await loadInstance(options.store, ref.name);
  const wired = wireInstance(module, instance, options);
  try {
    const results = await runCommand(module, line, {
      client: wired.client,
      now: options.now ?? Date.now,
      ...(options.progress ? { progress: options.progress } : {}),
      auth: authHandlers(module, instance, wired, options.store),
    });
    await mergeIntoContext(options.store, instance.name, results);
    return { instance: instance.name, results };
  } finally {
    await wired.cached.cache.idle();
    await wired.http.close();
  }
}
