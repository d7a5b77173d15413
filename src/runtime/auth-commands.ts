/**
 * The auth commands every Microsoft integration has (`<prefix>-auth-start`, `-auth-complete`, `-auth-test`,
 * `-auth-reset`, `-generate-login-url`) as the runtime runs them. Which ones exist and their names come
 * from one derivation, the profile's `authCommands` (integrations/profiles); this module adds the command
 * specs and the texts they print (reference-auth-module §7). The credential work behind them belongs to
 * auth/ (the device-code instructions are protocol/device-code.ts's).
 */
import {
  type AuthCommandKind,
  authCommands as profileAuthCommands,
  authCommandName as profileCommandName,
} from "../integrations/profiles/index.ts";
import type { AuthMessages, CommandSpec, IntegrationDefinition } from "../integrations/types.ts";

export type AuthAction = "test" | "start" | "complete" | "reset" | "generate-login-url";

export interface AuthCommandSpec extends CommandSpec {
  action: AuthAction;
}

const ACTION_OF: Readonly<Record<AuthCommandKind, AuthAction>> = {
  start: "start",
  complete: "complete",
  loginUrl: "generate-login-url",
  test: "test",
  reset: "reset",
};
/** ACTION_OF read backwards. */
const KIND_OF = Object.fromEntries(
  Object.entries(ACTION_OF).map(([kind, action]) => [action, kind]),
) as Readonly<Record<AuthAction, AuthCommandKind>>;

/** The shared module's texts; a profile overrides the ones its reference integration changed. */
const DEFAULT_MESSAGES: AuthMessages = {
  testSuccess: "✅ Success!",
  completeSuccess: "✅ Authorization completed successfully.",
  reset:
    "Authorization was reset successfully. Please regenerate the credentials, and then click **Test** to validate the credentials and connection.",
};

/** The reference's `generate-login-url` text (§7): seven lines, the last a single space. */
export function loginUrlInstructions(url: string): string {
  return [
    "### Authorization instructions",
    `1. Click on the [login URL](${url}) to sign in and grant Cortex XSOAR permissions for your Azure Service Management.`,
    "You will be automatically redirected to a link with the following structure:",
    "```REDIRECT_URI?code=AUTH_CODE&session_state=SESSION_STATE```",
    "2. Copy the `AUTH_CODE` (without the `code=` prefix, and the `session_state` parameter)",
    "and paste it in your instance configuration under the **Authorization code** parameter.",
    " ",
  ].join("\n");
}

/** `{prefix}`, `{start}`, `{complete}`, `{test}` in a text become the integration's names. */
function fill(text: string, definition: IntegrationDefinition): string {
  return text
    .replaceAll("{prefix}", definition.prefix)
    .replaceAll("{start}", commandName(definition, "start"))
    .replaceAll("{complete}", commandName(definition, "complete"))
    .replaceAll("{test}", commandName(definition, "test"));
}

/** `<prefix>-auth-<action>` (or `<prefix>-generate-login-url`): the default names. */
export function authCommandName(prefix: string, action: AuthAction): string {
  return action === "generate-login-url" ? `${prefix}-generate-login-url` : `${prefix}-auth-${action}`;
}

/** The name the integration gives an auth command (the profile's `commandNames` where the reference differs). */
export function commandName(definition: IntegrationDefinition, action: AuthAction): string {
  return profileCommandName(definition.profile, KIND_OF[action]);
}

export function authCommands(definition: IntegrationDefinition): AuthCommandSpec[] {
  return profileAuthCommands(definition.profile).map((command) => ({
    action: ACTION_OF[command.kind],
    name: command.name,
    description: command.description,
    args: [],
    outputs: [],
    effect: "read",
  }));
}

/** Data commands and auth commands together: what help and completion list. */
export function allCommands(definition: IntegrationDefinition): CommandSpec[] {
  return [...authCommands(definition), ...definition.commands];
}

export function authMessages(definition: IntegrationDefinition): AuthMessages {
  const merged = { ...DEFAULT_MESSAGES, ...definition.auth.messages };
  return {
    testSuccess: fill(merged.testSuccess, definition),
    completeSuccess: fill(merged.completeSuccess, definition),
    reset: fill(merged.reset, definition),
  };
}

/** The Test button's refusal for device-code instances, or undefined when the profile has none. */
export function deviceCodeRefusal(definition: IntegrationDefinition): string | undefined {
  const text = definition.auth.connectivityTest.deviceCodeRefusal;
  return text === undefined ? undefined : fill(text, definition);
}
