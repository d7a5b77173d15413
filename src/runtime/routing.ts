/**
 * Which integration a War Room command belongs to, and which instance runs it: `using=NAME`, else the
 * only instance of that integration, else an error that lists the choices. Several integrations share a
 * command prefix (msgraph-mail, microsoft-teams, microsoft-365-defender), so a command may belong to more
 * than one: the instance decides (`using=`, or the only instance among them). Pure: the caller passes the
 * instances it has.
 */
import { EntrakitError } from "../errors.ts";
import type { IntegrationModule } from "../integrations/handler.ts";
import { allCommands } from "./auth-commands.ts";

export interface InstanceRef {
  name: string;
  /** Integration id, e.g. `AzureRiskyUsers`. */
  integration: string;
}

/**
 * Whether the module has this data or auth command. Auth commands are derived only for a module whose prefix
 * (or a renamed auth command of its profile) the command can match: a CLI run routes one line, and deriving
 * the auth commands of all 37 integrations for it was a visible part of its start-up.
 */
function hasCommand(module: IntegrationModule, command: string): boolean {
  const { definition } = module;
  if (definition.commands.some((spec) => spec.name === command)) return true;
  const renamed = Object.values(definition.profile.commandNames ?? {});
  if (!command.startsWith(`${definition.prefix}-`) && !renamed.includes(command)) return false;
  return allCommands(definition).some((spec) => spec.name === command);
}

/** Every module that has this command (data or auth); an error when none does. */
export function modulesForCommand(
  modules: readonly IntegrationModule[],
  command: string,
): IntegrationModule[] {
  const found = modules.filter((module) => hasCommand(module, command));
  if (found.length > 0) return found;
  const prefixed = modules.find((module) => command.startsWith(module.definition.prefix));
  throw new EntrakitError("usage", `${command} command is not implemented.`, {
    hint: prefixed
      ? `Run !help to list the ${prefixed.definition.display} commands.`
      : "Run !help to list the commands.",
  });
}

/** The first module that has this command. */
export function moduleForCommand(modules: readonly IntegrationModule[], command: string): IntegrationModule {
  return modulesForCommand(modules, command)[0]!;
}

/** The integration and instance a command runs with. */
export function routeCommand(
  modules: readonly IntegrationModule[],
  instances: readonly InstanceRef[],
  command: string,
  using?: string,
): { module: IntegrationModule; instance: InstanceRef } {
  const candidates = modulesForCommand(modules, command);
  if (candidates.length === 1) {
    const module = candidates[0]!;
    return { module, instance: chooseInstance(instances, module, using) };
  }
  const moduleOf = (ref: InstanceRef) =>
    candidates.find((module) => module.definition.id === ref.integration);
  const ids = candidates.map((module) => module.definition.id).join(", ");
  if (using !== undefined) {
    const named = instances.find((instance) => instance.name === using);
    const module = named && moduleOf(named);
    if (named && module) return { module, instance: named };
    throw new EntrakitError(
      "usage",
      named
        ? `Instance "${using}" is a ${named.integration} instance; !${command} belongs to ${ids}.`
        : `There is no instance named "${using}".`,
      { hint: `Use an instance of ${ids}.` },
    );
  }
  const mine = instances.filter((instance) => moduleOf(instance) !== undefined);
  if (mine.length === 1) return { module: moduleOf(mine[0]!)!, instance: mine[0]! };
  if (mine.length === 0) {
    throw new EntrakitError(
      "configuration",
      `!${command} belongs to ${ids}, and there is no instance of them.`,
      {
        hint: `Add one with: entrakit instance add NAME --integration ${candidates[0]!.definition.id}.`,
      },
    );
  }
  throw new EntrakitError(
    "usage",
    `!${command} belongs to ${ids}; ${mine.length} instances could run it: ${mine.map((i) => i.name).join(", ")}.`,
    { hint: `Add using=NAME to the command, e.g. using=${mine[0]!.name}.` },
  );
}

export function chooseInstance(
  instances: readonly InstanceRef[],
  module: IntegrationModule,
  using?: string,
): InstanceRef {
  const { id, display } = module.definition;
  const mine = instances.filter((instance) => instance.integration === id);
  const names = mine.map((instance) => instance.name).join(", ");
  if (using !== undefined) {
    const named = instances.find((instance) => instance.name === using);
    if (!named) {
      throw new EntrakitError("usage", `There is no instance named "${using}".`, {
        hint: mine.length > 0 ? `Instances of ${display}: ${names}.` : addHint(id),
      });
    }
    if (named.integration !== id) {
      throw new EntrakitError(
        "usage",
        `Instance "${using}" is a ${named.integration} instance, not ${display}.`,
        {
          hint: mine.length > 0 ? `Instances of ${display}: ${names}.` : addHint(id),
        },
      );
    }
    return named;
  }
  if (mine.length === 1) return mine[0]!;
  if (mine.length === 0) {
    throw new EntrakitError("configuration", `There is no ${display} instance.`, { hint: addHint(id) });
  }
  throw new EntrakitError("usage", `There are ${mine.length} ${display} instances: ${names}.`, {
    hint: `Add using=NAME to the command, e.g. using=${mine[0]!.name}.`,
  });
}

function addHint(integration: string): string {
  return `Add one with: entrakit instance add NAME --integration ${integration}.`;
}
