/**
 * Which integration a War Room command belongs to, and which instance runs it: `using=NAME`, else the
 * only instance of that integration, else an error that lists the choices. Pure: the caller passes the
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

/** The module that has this command (data or auth). */
export function moduleForCommand(modules: readonly IntegrationModule[], command: string): IntegrationModule {
  const found = modules.find((module) =>
    allCommands(module.definition).some((spec) => spec.name === command),
  );
  if (found) return found;
  const prefixed = modules.find((module) => command.startsWith(module.definition.prefix));
  throw new EntrakitError("usage", `${command} command is not implemented.`, {
    hint: prefixed
      ? `Run !help to list the ${prefixed.definition.display} commands.`
      : "Run !help to list the commands.",
  });
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
