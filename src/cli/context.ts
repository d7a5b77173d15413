/** `entrakit context show INSTANCE [path]` and `entrakit context clear INSTANCE`. */
import type { Command } from "commander";
import { EntrakitError } from "../errors.ts";
import { clearStoredContext } from "../runtime/context-store.ts";
import { loadInstance, readContext } from "../runtime/instances.ts";
import { withStore } from "./instance-input.ts";

export function registerContextCommand(program: Command): void {
  const context = program
    .command("context")
    .description("an instance's context: the outputs of the commands it ran")
    .option("--store <url>", "store URL (sqlite:..., redis://...); default $ENTRAKIT_STORE");

  context
    .command("show")
    .description("print the context as JSON, or one dotted path of it (AzureRiskyUsers.RiskyUser.id)")
    .argument("<instance>", "instance name")
    .argument("[path]", "dotted path")
    .action(async (name: string, path: string | undefined, _options: unknown, command: Command) => {
      const value = await withStore(command, async (store) => {
        await loadInstance(store, name);
        return readContext(store, name, path);
      });
      if (value === undefined) {
        throw new EntrakitError("not_found", `Nothing at ${path} in the context of ${name}.`, {
          hint: `Run entrakit context show ${name} to see what is there.`,
        });
      }
      process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
    });

  context
    .command("clear")
    .description("empty an instance's context (its configuration and tokens stay)")
    .argument("<instance>", "instance name")
    .action(async (name: string, _options: unknown, command: Command) => {
      await withStore(command, async (store) => {
        await loadInstance(store, name);
        await clearStoredContext(store, name);
      });
      process.stdout.write(`Cleared the context of ${name}.\n`);
    });
}
