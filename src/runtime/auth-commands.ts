/**
 * The auth commands every Microsoft integration has (`<prefix>-auth-start`, `-auth-complete`, `-auth-test`,
 * `-auth-reset`, `-generate-login-url`) are derived from its auth profile, not copied into each manifest.
 * This module holds their specs and their texts (reference-auth-module §7); the credential work behind
 * them belongs to auth/ (the device-code instructions are protocol/device-code.ts's
 * `deviceCodeInstructions`, given `!${authCommandName(prefix, "complete")}`).
 */
import type { AuthMessages, CommandSpec, IntegrationDefinition } from "../integrations/types.ts";

export type AuthAction = "test" | "start" | "complete" | "reset" | "generate-login-url";

export interface AuthCommandSpec extends CommandSpec {
  action: AuthAction;
}

/** The shared module's texts; a profile overrides the ones its reference integration changed. */
const DEFAULT_MESSAGES: AuthMessages = {
  testSuccess: "✅ Success!",
  completeSuccess: "✅ Authorization completed successfully.",
  reset:
    "Authorization was reset successfully. Please regenerate the credentials, and then click **Test** to validate the credentials and connection.",
};

const fill = (text: string, prefix: string) => text.replaceAll("{prefix}", prefix);

/** Which auth commands a profile gets, with the reference's descriptions. */
const AUTH_COMMANDS: ReadonlyArray<{
  action: AuthAction;
  description: string;
  when: (definition: IntegrationDefinition) => boolean;
}> = [
  { action: "test", description: "Tests the connectivity to Azure.", when: () => true },
  {
    action: "start",
    description: "Starts the authorization process. Follow the instructions in the command results.",
    when: (d) => d.auth.flows.includes("device_code"),
  },
  {
    action: "complete",
    description:
      "Completes the authorization process. Run this command after executing the {prefix}-auth-start command.",
    when: (d) => d.auth.flows.includes("device_code"),
  },
  {
    action: "reset",
    description: "Run this command if for some reason you need to rerun the authentication process.",
    when: () => true,
  },
  {
    action: "generate-login-url",
    description: "Generates the login URL for the authorization code flow.",
    when: (d) => d.auth.flows.includes("authorization_code"),
  },
];

export function authCommandName(prefix: string, action: AuthAction): string {
  return action === "generate-login-url" ? `${prefix}-generate-login-url` : `${prefix}-auth-${action}`;
}

export function authCommands(definition: IntegrationDefinition): AuthCommandSpec[] {
  return AUTH_COMMANDS.filter((entry) => entry.when(definition)).map((entry) => ({
    action: entry.action,
    name: authCommandName(definition.prefix, entry.action),
    description: fill(entry.description, definition.prefix),
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
    testSuccess: fill(merged.testSuccess, definition.prefix),
    completeSuccess: fill(merged.completeSuccess, definition.prefix),
    reset: fill(merged.reset, definition.prefix),
  };
}

/** The Test button's refusal for device-code instances, or undefined when the profile has none. */
export function deviceCodeRefusal(definition: IntegrationDefinition): string | undefined {
  const text = definition.auth.connectivityTest.deviceCodeRefusal;
  return text === undefined ? undefined : fill(text, definition.prefix);
}
