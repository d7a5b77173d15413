/**
 * `entrakit demo` (= `npm start`): starts the embedded emulator and a throwaway store, creates two Azure
 * Risky Users instances and runs the narrated War Room session of src/demo/. Everything it starts is
 * stopped and removed at exit, including on an error or Ctrl+C; it listens on loopback only.
 */
import type { Command } from "commander";
import { shouldUseColor } from "../runtime/render.ts";

interface DemoOptions {
  tls?: boolean;
  pause: boolean;
}

/** Pause between steps on a terminal, so a person can read along. */
const TERMINAL_PAUSE_MS = 700;

export function registerDemoCommand(program: Command): void {
  program
    .command("demo")
    .description("run a narrated War Room session against the embedded emulator (nothing leaves loopback)")
    .option("--tls", "serve the emulator over HTTPS with a throwaway CA that the demo trusts")
    .option("--no-pause", "do not pause between steps (no pauses anyway when stdout is not a terminal)")
    .action(async (options: DemoOptions) => {
      // Loaded on use: the emulator and the credential stack are most of the demo's start-up.
      const { startDemoWorld } = await import("../demo/world.ts");
      const { runDemo } = await import("../demo/runner.ts");
      const world = await startDemoWorld({ tls: options.tls === true });
      const interrupted = (signal: NodeJS.Signals) => {
        // Stop the emulator (and remove its temporary CA) before leaving; 128 + signal number.
        void world.close().finally(() => process.exit(signal === "SIGINT" ? 130 : 143));
      };
      process.once("SIGINT", interrupted);
      process.once("SIGTERM", interrupted);
      const terminal = process.stdout.isTTY === true;
      try {
        await runDemo(world, {
          write: (text) => process.stdout.write(text),
          terminal,
          color: shouldUseColor(process.env, terminal),
          ...(process.stdout.columns ? { width: process.stdout.columns } : {}),
          pauseMs: terminal && options.pause ? TERMINAL_PAUSE_MS : 0,
        });
      } finally {
        process.off("SIGINT", interrupted);
        process.off("SIGTERM", interrupted);
        await world.close();
      }
    });
}
