/**
 * Runs the demo script (script.ts) in a demo world (world.ts) and narrates it: each step's sentence, the
 * line as typed, then the result as `entrakit run` shows it (aligned tables on a terminal, markdown
 * otherwise), long tables cut to their first rows. A step that does not do what it should stops the demo
 * with an error naming the step.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { DEV_TENANT } from "../emulator/well-known.ts";
import { EntrakitError, isEntrakitError } from "../errors.ts";
import { createHttpClient } from "../http/client.ts";
import { readContext } from "../runtime/instances.ts";
import { bold, renderTerminal } from "../runtime/render.ts";
import type { CommandResult } from "../runtime/result.ts";
import { runLine } from "../runtime/session.ts";
import { approveDeviceCode } from "./device-approval.ts";
import { DEMO_SCRIPT, type DemoSession, type DemoStep, initialState } from "./script.ts";
import { DEMO_GRAPH, DEMO_INSTANCES, type DemoWorld } from "./world.ts";

export interface DemoOutput {
  write(text: string): void;
  /** Render tables for a terminal (else raw markdown). */
  terminal: boolean;
  color: boolean;
  width?: number;
  /** Pause between steps so a person can read along; 0 for none. */
  pauseMs: number;
}

/** Rows of a table shown in the narration; the rest is summarised in one line. */
const MAX_TABLE_ROWS = 10;

/** Keeps the header and first `maxRows` rows of every markdown table, and says how many were left out. */
function truncateTables(markdown: string, maxRows: number): string {
  const lines = markdown.split("\n");
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (!(line.startsWith("|") && lines[i + 1]?.startsWith("|---"))) {
      out.push(line);
      continue;
    }
    let end = i + 2;
    while (end < lines.length && lines[end]!.startsWith("|")) end++;
    const rows = end - i - 2;
    out.push(...lines.slice(i, i + 2 + Math.min(rows, maxRows)));
    if (rows > maxRows) out.push(`… and ${rows - maxRows} more rows (${rows} in all).`);
    i = end - 1;
  }
  return out.join("\n");
}

function showResults(results: readonly CommandResult[], output: DemoOutput): void {
  const markdown = truncateTables(results.map((r) => r.readable).join("\n\n"), MAX_TABLE_ROWS);
  if (output.terminal) {
    const options = output.width ? { color: output.color, width: output.width } : { color: output.color };
    output.write(renderTerminal(markdown, options));
  } else {
    output.write(`${markdown.replace(/\n+$/, "")}\n`);
  }
}

function introduction(world: DemoWorld): string[] {
  const width = Math.max(...DEMO_INSTANCES.map((i) => i.name.length));
  return [
    "entrakit demo: a narrated War Room session against the local Microsoft cloud.",
    "",
    `Emulator   ${world.emulator.url} (tenant ${DEV_TENANT.domain}: ${DEMO_GRAPH.riskyUsers.toLocaleString("en-US")} risky users, ${DEMO_GRAPH.detections} risk detections)`,
    ...(world.emulator.caCertPath
      ? [
          `TLS        its CA certificate ${world.emulator.caCertPath} is trusted by this run only and removed at exit`,
        ]
      : []),
    "Store      in memory; nothing is written to disk and it is gone when the demo ends",
    ...DEMO_INSTANCES.map(
      (instance, index) =>
        `${index === 0 ? "Instances" : ""}`.padEnd(11) +
        `${instance.name.padEnd(width)}  ${instance.summary}`,
    ),
    `${"".padEnd(11)}both Azure Risky Users on a Custom cloud whose login and graph endpoints are the emulator`,
    "",
  ];
}

/** Re-raises a step's failure as one line naming the step, keeping the cause's exit code and hint. */
function stepFailure(index: number, step: DemoStep, line: string | undefined, error: unknown): EntrakitError {
  const where = `Demo step ${index + 1}/${DEMO_SCRIPT.length}${line ? ` (${line})` : ` (${step.kind})`}`;
  if (isEntrakitError(error)) {
    return new EntrakitError(error.code, `${where} failed: ${error.message}`, {
      cause: error,
      hint: error.hint ?? "This is a bug in the demo or the emulator; please report it with this line.",
    });
  }
  return new EntrakitError("internal", `${where} failed: ${(error as Error).message ?? String(error)}`, {
    cause: error,
    hint: "This is a bug in the demo or the emulator; please report it with this line.",
  });
}

/** Runs every step; resolves when all did what they should, throws at the first that did not. */
export async function runDemo(world: DemoWorld, output: DemoOutput): Promise<void> {
  const http = createHttpClient({ caFiles: world.caFiles });
  const session: DemoSession = {
    async readContext(instance, path) {
      return readContext(world.store, instance, path);
    },
  };
  const state = initialState();
  const options = {
    store: world.store,
    caFiles: world.caFiles,
    onWarning: (message: string) => process.stderr.write(`entrakit: warning: ${message}\n`),
  };
  const started = Date.now();
  try {
    output.write(`${introduction(world).join("\n")}\n`);
    for (const [index, step] of DEMO_SCRIPT.entries()) {
      if (index > 0 && output.pauseMs > 0) await sleep(output.pauseMs);
      output.write(`${bold(`Step ${index + 1}/${DEMO_SCRIPT.length}`, output.color)}  ${step.narration}\n`);
      let line: string | undefined;
      try {
        if (step.kind === "browser") {
          if (!state.instructions) throw new EntrakitError("internal", "No device code was started.");
          output.write(`browser> ${state.instructions.verificationUri}\n`);
          const visits = await approveDeviceCode(http, state.instructions, step.approver);
          for (const visit of visits) output.write(`  ${visit.did} → ${visit.saw}\n`);
        } else {
          line = step.line(state);
          output.write(`${bold(`warroom> ${line}`, output.color)}\n`);
          if (step.kind === "refusal") {
            const refusal = await runLine(line, options).then(
              () => undefined,
              (error: unknown) => error,
            );
            if (!isEntrakitError(refusal) || refusal.code !== step.code) {
              throw (
                refusal ?? new EntrakitError("internal", `expected a refusal (${step.code}), got a result.`)
              );
            }
            output.write(`entrakit: ${refusal.toLine()}\n`);
          } else {
            const outcome = await runLine(line, options);
            showResults(outcome.results, output);
            await step.check(outcome.results, state, session);
          }
        }
      } catch (error) {
        throw stepFailure(index, step, line, error);
      }
      output.write("\n");
    }
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    output.write(
      `Done: all ${DEMO_SCRIPT.length} steps did what they should (${seconds} s).\n` +
        "Try it by hand: the 60-second tour in README.md; the steps are explained in docs/demo.md.\n",
    );
  } finally {
    await http.close();
  }
}
