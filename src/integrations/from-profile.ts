/**
 * Every auth profile is a runnable integration: `integrationFromProfile` turns one of the 37 profiles into
 * an IntegrationModule whose auth (flows, default flow, resources, connectivity test, auth commands) and
 * parameters come from the profile. An integration with data commands passes them (and their handlers);
 * one without still gets its auth commands and its Test button.
 */
import type { CommandHandler, IntegrationModule } from "./handler.ts";
import { findProfile, type IntegrationProfile, supportedFlows } from "./profiles/index.ts";
import { parametersFor } from "./profiles/params.ts";
import type { AuthMessages, CommandSpec, IntegrationDefinition, ParameterSpec } from "./types.ts";

export interface IntegrationExtras {
  /** Default: the profile id. Instances store it. */
  id?: string;
  /** Default: the seed's integration name. */
  display?: string;
  description?: string;
  category?: string;
  /** Context root of the outputs, e.g. `MSGraph`. Default: the display name without spaces. */
  contextRoot?: string;
  commands?: readonly CommandSpec[];
  handlers?: Readonly<Partial<Record<string, CommandHandler>>>;
  /** Default: generated from the profile (`parametersFor`). */
  params?: readonly ParameterSpec[];
  /** Delegated permissions for device code / authorization code; default the resource's `.default`. */
  delegatedPermissions?: readonly string[];
  /** Least-privileged permissions; default the profile's, as read permissions. */
  permissions?: { read: readonly string[]; write: readonly string[] };
  messages?: Partial<AuthMessages>;
  /** Default: the shared module's refusal naming the `-auth-start` / `-auth-complete` / `-auth-test` commands. */
  deviceCodeRefusal?: string;
  rateLimit?: string;
}

/**
 * The reference module's Test-button refusal for device code (reference-auth-module §7, Azure SQL's text
 * with the prefix filled in). `{start}` `{complete}` `{test}` are the profile's command names.
 */
const DEVICE_CODE_REFUSAL =
  "When using device code flow configuration, Please enable the integration and run `!{start}` and `!{complete}` to log in. You can validate the connection by running `!{test}`\nFor more details press the (?) button.";

export function integrationFromProfile(
  profileOrId: string | IntegrationProfile,
  extras: IntegrationExtras = {},
): IntegrationModule {
  const profile = typeof profileOrId === "string" ? findProfile(profileOrId) : profileOrId;
  let params = extras.params;
  const first = profile.resources[0];
  const definition: IntegrationDefinition = {
    id: extras.id ?? profile.id,
    profile,
    display: extras.display ?? profile.name,
    description: extras.description ?? `${profile.name}: sign-in and connectivity (auth commands).`,
    category: extras.category ?? "Microsoft",
    prefix: profile.prefix,
    contextRoot: extras.contextRoot ?? profile.name.replace(/[^A-Za-z0-9]/g, ""),
    auth: {
      flows: supportedFlows(profile),
      defaultFlow: profile.defaultFlow,
      ...(first?.kind === "family" ? { resource: { family: first.family, basePath: first.basePath } } : {}),
      delegatedPermissions: extras.delegatedPermissions ?? [],
      permissions: extras.permissions ?? { read: profile.permissions, write: [] },
      clouds: profile.clouds,
      connectivityTest: {
        probe: profile.connectivityProbe,
        ...(profile.flows.includes("device_code")
          ? { deviceCodeRefusal: extras.deviceCodeRefusal ?? DEVICE_CODE_REFUSAL }
          : {}),
      },
      ...(extras.messages ? { messages: extras.messages } : {}),
    },
    // Built on first use: a command line needs the parameters of one integration, not of all 37.
    get params() {
      params ??= parametersFor(profile);
      return params;
    },
    ...(extras.rateLimit ? { rateLimit: extras.rateLimit } : {}),
    commands: extras.commands ?? [],
  };
  return { definition, handlers: extras.handlers ?? {} };
}
