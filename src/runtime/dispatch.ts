/**
 * Runs one parsed War Room line against an integration module: finds the command, validates its
 * arguments against the manifest, calls the handler, and turns the API's 401/403/429 answers into
 * messages that name the fix (the licence or the permission the manifest declares).
 * Instances, credentials and the auth commands are wired by the caller: it passes a ready ApiClient and,
 * for `<prefix>-auth-*`, its own handlers.
 */
import { EntrakitError } from "../errors.ts";
import { HttpStatusError, ThrottledError } from "../http/errors.ts";
import type { CommandContext, CommandHandler, IntegrationModule } from "../integrations/handler.ts";
import type { CommandSpec, IntegrationDefinition } from "../integrations/types.ts";
import { validateArguments } from "./arguments.ts";
import { type AuthAction, authCommands } from "./auth-commands.ts";
import type { CommandLine } from "./command-line.ts";
import type { CommandResult } from "./result.ts";

export interface DispatchOptions extends CommandContext {
  /** Handlers for the profile's auth commands, by action; absent ones answer "not available here". */
  auth?: Partial<Record<AuthAction, CommandHandler>>;
}

function findCommand(
  module: IntegrationModule,
  name: string,
): { spec: CommandSpec; handler?: CommandHandler; action?: AuthAction } {
  const data = module.definition.commands.find((command) => command.name === name);
  if (data) {
    const handler = module.handlers[name];
    return handler ? { spec: data, handler } : { spec: data };
  }
  const auth = authCommands(module.definition).find((command) => command.name === name);
  if (auth) return { spec: auth, action: auth.action };
  const names = [...authCommands(module.definition), ...module.definition.commands].map((c) => c.name);
  const near = names.filter((candidate) => candidate.startsWith(name) || name.startsWith(candidate));
  throw new EntrakitError("usage", `${name} command is not implemented by ${module.definition.display}.`, {
    hint:
      near.length > 0
        ? `Did you mean ${near.map((n) => `!${n}`).join(" or ")}?`
        : "Run !help to list the commands.",
  });
}

/** Explains an API refusal with what the manifest knows: the licence and least-privileged permission. */
export function explainApiError(
  error: HttpStatusError | ThrottledError,
  command: CommandSpec,
  definition: IntegrationDefinition,
): EntrakitError {
  const prefix = definition.prefix;
  if (error instanceof ThrottledError) {
    return new EntrakitError(
      "throttled",
      `The API is still throttling !${command.name} after retries (${error.status}).`,
      {
        cause: error,
        hint: `${definition.rateLimit ? `${definition.rateLimit} ` : ""}Wait a minute and run it again.`,
      },
    );
  }
  const code = error.serviceCode;
  const message = error.serviceMessage;
  const said = `${error.status}${code ? ` ${code}` : ""}`;
  switch (error.status) {
    case 401:
      return new EntrakitError(
        "authentication_failed",
        `The API rejected the access token for !${command.name} (${said}).`,
        {
          cause: error,
          hint: `Run !${prefix}-auth-reset, then !${prefix}-auth-test.`,
        },
      );
    case 403: {
      if (
        /not licen[cs]ed|licen[cs]e is required|upgrade your subscription/i.test(message) &&
        command.licence
      ) {
        return new EntrakitError(
          "permission_denied",
          `This tenant is not licensed for !${command.name}: ${command.licence} is required.`,
          {
            cause: error,
            hint: `Assign ${command.licence} in the tenant, or use an instance of a tenant that has it.`,
          },
        );
      }
      const permission = command.permission
        ? `the ${command.permission} permission`
        : "the permission this API needs";
      return new EntrakitError(
        "permission_denied",
        `Access denied for !${command.name} (${said}): the app or signed-in user lacks ${permission}.`,
        {
          cause: error,
          hint: `Grant ${permission} to the app registration with admin consent (delegated sign-in also needs a role such as Security Reader${command.effect === "write" ? ", Security Administrator for changes" : ""}), then run !${prefix}-auth-reset.`,
        },
      );
    }
    default:
      return error;
  }
}

/** Validates and runs one command line. Resolves to the command's results (usually one, sometimes two). */
export async function runCommand(
  module: IntegrationModule,
  line: CommandLine,
  options: DispatchOptions,
): Promise<CommandResult[]> {
  const { spec, handler, action } = findCommand(module, line.command);
  const run = handler ?? (action ? options.auth?.[action] : undefined);
  if (!run) {
    throw new EntrakitError("configuration", `!${spec.name} is not available in this session.`, {
      hint: "Run it through the entrakit CLI with an instance (entrakit run).",
    });
  }
  const args = validateArguments(spec, line.args, options.now);
  try {
    return await run(args, options);
  } catch (error) {
    if (error instanceof HttpStatusError || error instanceof ThrottledError) {
      throw explainApiError(error, spec, module.definition);
    }
    throw error;
  }
}
