/**
 * `entrakit instance test NAME`: the instance's Test button. It signs in with the instance's flow and runs
 * the profile's connectivity probe; a device-code instance that has not signed in yet gets the reference's
 * refusal telling which auth commands to run. Exit 0 with the success text, else the error's exit status.
 */
import type { Command } from "commander";
import { withStore } from "./instance-input.ts";

export function registerInstanceTestCommand(instance: Command): void {
  instance
    .command("test")
    .description("the Test button: sign in with the instance's flow and run its connectivity check")
    .argument("<name>", "instance name")
    .action(async (name: string, _options: unknown, command: Command) => {
      // Loaded on use, as `run` does: the credential stack is most of the start-up time.
      const { testInstance } = await import("../runtime/session.ts");
      const text = await withStore(command, (store) =>
        testInstance(name, {
          store,
          onWarning: (message) => process.stderr.write(`entrakit: warning: ${message}\n`),
        }),
      );
      process.stdout.write(`${text}\n`);
    });
}
