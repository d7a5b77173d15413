/**
 * `entrakit demo` (= `npm start`): starts the embedded emulator and a throwaway store, creates two Azure
 * Risky Users instances and runs the narrated War Room session of src/demo/. Everything it starts is
 * stopped and removed at exit, including on an error or Ctrl+C; it listens on loopback only.
 */
import type { Command } from "commander";
import { EntrakitError } from "../errors.ts";
import { shouldUseColor } from "../runtime/render.ts";

interface DemoOptions {
  tls?: boolean;
  /** `--pause <ms>` gives a string, `--no-pause` false, neither undefined. */
  pause?: string | boolean;
}

/** Pause between steps on a terminal, so a person can read along. */
const TERMINAL_PAUSE_MS = 700;

export function registerDemoCommand(program: Command): void {
  program
    .command("demo")
    .description("run a narrated War Room session against the embedded emulator (nothing leaves loopback)")
    .option("--tls", "serve the emulator over HTTPS with a throwaway CA that the demo trusts")
    .option("--pause <ms>", `pause between steps (default ${TERMINAL_PAUSE_MS} on a terminal, else none)`)
    .option("--no-pause", "do not pause between steps")
    .action(async (options: DemoOptions) => {
      const terminal = process.stdout.isTTY === true;
      const pauseMs = pauseOf(options.pause, terminal);
      // Loaded on use: the emulator and the credential stack are most of the demo's start-up.
      const { startDemoWorld } = await import("../demo/world.ts");
      const { runDemo } = await import("../demo/runner.ts");
      const world = await startDemoWorld({ tls: options.tls === true });
      // Ctrl+C, kill, or a reader that went away (`| head`): stop the emulator (and remove its temporary
      // CA) before leaving, with the shell's 128 + signal number.
      let leaving = false;
      const leave = (status: number) => () => {
        if (leaving) return;
        leaving = true;
        void world.close().finally(() => process.exit(status));
      };
      const stops = [
        ["SIGINT", leave(130)],
        ["SIGTERM", leave(143)],
      ] as const;
      const brokenPipe = leave(141);
      for (const [signal, stop] of stops) process.once(signal, stop);
      process.stdout.on("error", brokenPipe);
      try {
        await runDemo(world, {
          write: (text) => {
            if (!leaving) process.stdout.write(text);
          },
          terminal,
          color: shouldUseColor(process.env, terminal),
          ...(process.stdout.columns ? { width: process.stdout.columns } : {}),
          pauseMs,
        });
      } finally {
        for (const [signal, stop] of stops) process.off(signal, stop);
        process.stdout.off("error", brokenPipe);
        await world.close();
      }
    });
}

function pauseOf(option: string | boolean | undefined, terminal: boolean): number {
  if (option === undefined || option === true) return terminal ? TERMINAL_PAUSE_MS : 0;
  if (option === false) return 0;
  const ms = Number(option);
  if (!Number.isInteger(ms) || ms < 0 || ms > 60_000) {
    throw new EntrakitError(
      "usage",
      `--pause must be a whole number of milliseconds up to 60000, got "${option}".`,
      {
        hint: "Write --pause 1000 for a second between steps, or --no-pause.",
      },
    );
  }
  return ms;
}
