/**
 * `entrakit warroom`: a War Room prompt. Each line runs exactly as `entrakit run '<line>'` does (same
 * routing, rendering, errors and progress line), but a failed line prints its one-line error and the
 * session goes on. On a terminal: a prompt, history kept in $ENTRAKIT_HOME/warroom_history (0600, see
 * runtime/history.ts for what is left out), tab completion (runtime/completion.ts), Ctrl-C clears the
 * line, Ctrl-D leaves. With stdin piped (a script): no prompt, results only on stdout, and the exit
 * status is that of the last line that failed (0 when none did).
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface, type Interface } from "node:readline";
import type { Command } from "commander";
import { EntrakitError } from "../errors.ts";
import { INTEGRATIONS } from "../integrations/registry.ts";
import type { CommandSpec, IntegrationDefinition } from "../integrations/types.ts";
import { allCommands } from "../runtime/auth-commands.ts";
import { quoteArgument } from "../runtime/command-line.ts";
import { closeMatches, complete, currentWord } from "../runtime/completion.ts";
import { commandHelp, integrationsHelp } from "../runtime/help.ts";
import { formatHistory, HISTORY_LIMIT, parseHistory } from "../runtime/history.ts";
import { listInstances, loadInstance, readContext } from "../runtime/instances.ts";
import { tableToMarkdown } from "../runtime/render.ts";
import type { InstanceRef } from "../runtime/routing.ts";
import { entrakitHome } from "../store/open.ts";
import type { Store } from "../store/types.ts";
import { reportError } from "./error-line.ts";
import { withStore } from "./instance-input.ts";
import { checkOutput, type OutputFormat, progressLine, writeResults } from "./results.ts";

interface WarroomOptions {
  instance?: string;
  output?: string;
  store?: string;
}

/** The built-in `!` words: what they take and do (shown by `!help`). */
const BUILTINS: ReadonlyArray<{ name: string; usage: string; description: string }> = [
  {
    name: "help",
    usage: "!help [command]",
    description: "The commands, or one command's arguments and outputs.",
  },
  {
    name: "context",
    usage: "!context [path] [using=NAME]",
    description: "The instance's context as JSON, or one dotted path of it.",
  },
  { name: "exit", usage: "!exit", description: "Leave the War Room (Ctrl-D too)." },
  { name: "quit", usage: "!quit", description: "Leave the War Room." },
];
const BUILTIN_NAMES = BUILTINS.map((builtin) => builtin.name);

const HISTORY_FILE = "warroom_history";

export function registerWarroomCommand(program: Command): void {
  program
    .command("warroom")
    .description("a War Room prompt: run command lines with history, tab completion and !help")
    .option("--instance <name>", "the instance for lines that name none (using=NAME still wins)")
    .option("--output <format>", "md (raw markdown) or json; default: tables on a TTY, markdown otherwise")
    .option("--store <url>", "store URL (sqlite:..., redis://...); default $ENTRAKIT_STORE")
    .action(async (options: WarroomOptions, command: Command) => {
      const output = checkOutput(options.output);
      // Loaded on use, as in `run`: the credential stack is most of the start-up time.
      const { runLine } = await import("../runtime/session.ts");
      process.exitCode = await withStore(command, async (store) => {
        const instance = options.instance ? await loadInstance(store, options.instance) : undefined;
        const session = new Session(
          store,
          output,
          runLine,
          instance && { name: instance.name, integration: instance.integration },
        );
        await session.refresh();
        return process.stdin.isTTY ? await session.interactive() : await session.scripted();
      });
    });
}

type RunLine = typeof import("../runtime/session.ts").runLine;

/** What one line did: go on with an exit status (0 = success), or leave. */
type LineOutcome = { status: number } | "leave";

class Session {
  /** Instances in the store, refreshed after each line (for routing help, completion and !context). */
  private instances: InstanceRef[] = [];

  private readonly store: Store;
  private readonly output: OutputFormat | undefined;
  private readonly runLine: RunLine;
  private readonly instance: InstanceRef | undefined;

  constructor(
    store: Store,
    output: OutputFormat | undefined,
    runLine: RunLine,
    instance: InstanceRef | undefined,
  ) {
    this.store = store;
    this.output = output;
    this.runLine = runLine;
    this.instance = instance;
  }

  async refresh(): Promise<void> {
    this.instances = await listInstances(this.store);
  }

  /** The integrations that have an instance; all of them while there is none. */
  private integrations(): IntegrationDefinition[] {
    const all = INTEGRATIONS.map((module) => module.definition);
    const used = all.filter((definition) => this.instances.some((i) => i.integration === definition.id));
    return used.length > 0 ? used : all;
  }

  private commands(): CommandSpec[] {
    return this.integrations().flatMap((definition) => allCommands(definition));
  }

  /** Stdin piped: lines in order, no prompt; the status of the last failed line. */
  async scripted(): Promise<number> {
    const lines = createInterface({ input: process.stdin, terminal: false });
    let status = 0;
    for await (const line of lines) {
      const outcome = await this.handle(line);
      if (outcome === "leave") break;
      if (outcome.status !== 0) status = outcome.status;
    }
    lines.close();
    return status;
  }

  /** On a terminal: prompt, history, completion; Ctrl-C clears the line, Ctrl-D or !exit leaves (0). */
  async interactive(): Promise<number> {
    const historyFile = join(entrakitHome(), HISTORY_FILE);
    const rl = createInterface({
      input: process.stdin,
      output: process.stdout,
      terminal: true,
      prompt: this.instance ? `entrakit(${this.instance.name})> ` : "entrakit> ",
      history: loadHistory(historyFile),
      historySize: HISTORY_LIMIT,
      removeHistoryDuplicates: true,
      completer: (line: string) => {
        const completions = complete(line, {
          commands: this.commands(),
          builtins: BUILTIN_NAMES,
          instances: this.instances.map((i) => i.name),
        });
        return [completions, currentWord(line)];
      },
    });
    rl.on("history", (history: string[]) => saveHistory(historyFile, history));
    let running = false;
    let interrupted = false;
    rl.on("SIGINT", () => {
      if (running) {
        if (interrupted) process.exit(130);
        interrupted = true;
        process.stderr.write(
          "\nentrakit: the command is still running. Press Ctrl-C again to leave the War Room.\n",
        );
        return;
      }
      clearLine(rl);
    });
    process.stdout.write("entrakit War Room: !help lists the commands, Tab completes, Ctrl-D leaves.\n");
    let closed = false;
    rl.on("close", () => {
      closed = true;
    });
    rl.prompt();
    for await (const line of rl) {
      running = true;
      interrupted = false;
      const outcome = await this.handle(line);
      running = false;
      // Ctrl-D while a line ran closed the prompt: the line finished, now leave.
      if (outcome === "leave" || closed) break;
      rl.prompt();
    }
    // Ctrl-D leaves the cursor after the prompt; !exit has already ended its line.
    if (closed) process.stdout.write("\n");
    else rl.close();
    return 0;
  }

  /** Runs one line (a built-in or a command); errors are printed as one line, never thrown. */
  private async handle(text: string): Promise<LineOutcome> {
    const line = text.trim();
    if (line === "" || line.startsWith("#")) return { status: 0 };
    const progress = progressLine();
    try {
      const [head = "", ...rest] = line.replace(/^!/, "").split(/\s+/);
      if (head === "exit" || head === "quit") return "leave";
      if (head === "help") {
        await this.help(rest);
      } else if (head === "context") {
        await this.context(rest);
      } else {
        this.checkCommand(head);
        const outcome = await this.runLine(this.withDefaultInstance(line, head), {
          store: this.store,
          ...(progress.report ? { progress: progress.report } : {}),
          onWarning: (message) => process.stderr.write(`entrakit: warning: ${message}\n`),
        });
        progress.clear();
        await writeResults(outcome.results, this.output);
      }
      return { status: 0 };
    } catch (error) {
      progress.clear();
      return { status: reportError(error) };
    } finally {
      await this.refresh().catch(() => undefined);
    }
  }

  /** An unknown command is refused here, naming the closest commands, before anything is opened. */
  private checkCommand(name: string): void {
    const known = everyCommand().map((c) => c.name);
    if (known.includes(name) || !/^[A-Za-z][\w-]*$/.test(name)) return; // bad syntax: the parser explains
    throw unknownCommand(name, [...BUILTIN_NAMES, ...known]);
  }

  /** `--instance` names the instance for lines of its integration that do not say `using=`. */
  private withDefaultInstance(line: string, command: string): string {
    const instance = this.instance;
    if (!instance || /(^|\s)using=/.test(line)) return line;
    // Several integrations can own one command (shared prefixes): the instance's integration must be one of them.
    const owners = INTEGRATIONS.filter((m) => allCommands(m.definition).some((c) => c.name === command));
    if (!owners.some((m) => m.definition.id === instance.integration)) return line;
    return `${line} using=${quoteArgument(instance.name)}`;
  }

  private async help(args: readonly string[]): Promise<void> {
    if (args.length > 1) {
      throw new EntrakitError("usage", "!help takes one command name.", {
        hint: "Write !help, or !help azure-risky-users-list.",
      });
    }
    let markdown: string;
    if (args.length === 0) {
      const builtins = tableToMarkdown(
        "War Room built-ins",
        BUILTINS.map((builtin) => ({ Command: builtin.usage, Description: builtin.description })),
        { headers: ["Command", "Description"] },
      );
      const none =
        this.instances.length === 0
          ? "No instance yet: add one with entrakit instance add NAME --integration ID.\n\n"
          : "";
      markdown = `${none}${integrationsHelp(this.integrations())}\n${builtins}`;
    } else {
      const name = args[0]!.replace(/^!/, "");
      const every = everyCommand();
      const spec = every.find((command) => command.name === name);
      if (!spec) {
        throw unknownCommand(
          name,
          every.map((c) => c.name),
        );
      }
      markdown = commandHelp(spec);
    }
    await writeResults([{ readable: markdown.trimEnd() }], this.output === "json" ? "md" : this.output);
  }

  /** `!context [path] [using=NAME]`: like `entrakit context show`. */
  private async context(args: readonly string[]): Promise<void> {
    const using = args.find((arg) => arg.startsWith("using="))?.slice("using=".length);
    const paths = args.filter((arg) => !arg.startsWith("using="));
    if (paths.length > 1) {
      throw new EntrakitError("usage", "!context takes one dotted path.", {
        hint: "Write !context, or !context AzureRiskyUsers.RiskyUser.id.",
      });
    }
    const name = using ?? this.instance?.name ?? this.onlyInstance();
    await loadInstance(this.store, name);
    const path = paths[0];
    const value = await readContext(this.store, name, path);
    if (value === undefined) {
      throw new EntrakitError("not_found", `Nothing at ${path} in the context of ${name}.`, {
        hint: "Run !context to see what is there.",
      });
    }
    process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  private onlyInstance(): string {
    if (this.instances.length === 1) return this.instances[0]!.name;
    if (this.instances.length === 0) {
      throw new EntrakitError("configuration", "There is no instance, so there is no context.", {
        hint: "Add one with: entrakit instance add NAME --integration ID.",
      });
    }
    const names = this.instances.map((i) => i.name).join(", ");
    throw new EntrakitError("usage", `Which instance? There are ${this.instances.length}: ${names}.`, {
      hint: `Write !context using=${this.instances[0]!.name}, or start with --instance NAME.`,
    });
  }
}

/** The data and auth commands of every integration. */
function everyCommand(): CommandSpec[] {
  return INTEGRATIONS.flatMap((module) => allCommands(module.definition));
}

function unknownCommand(name: string, names: readonly string[]): EntrakitError {
  const close = closeMatches(name, names).map((match) => `!${match}`);
  return new EntrakitError("usage", `Unknown command !${name}.`, {
    hint:
      close.length > 0
        ? `Did you mean ${close.join(", ")}? Run !help to list the commands.`
        : "Run !help to list the commands.",
  });
}

/** Ctrl-C at the prompt: show ^C, drop what was typed, prompt again. */
function clearLine(rl: Interface): void {
  process.stdout.write("^C\n");
  rl.write(null, { ctrl: true, name: "e" });
  rl.write(null, { ctrl: true, name: "u" });
  rl.prompt();
}

/** The saved history (newest first), or none when there is no file yet or it cannot be read. */
function loadHistory(file: string): string[] {
  try {
    return parseHistory(readFileSync(file, "utf8"));
  } catch {
    return [];
  }
}

let historyWarned = false;

/** Rewrites the history file (0600, through a temporary file so a crash never leaves half of it). */
function saveHistory(file: string, history: string[]): void {
  // readline lets this listener drop the newest line; one that looks secret never reaches the file or
  // the up-arrow (formatHistory applies the same rule to the rest).
  if (history.length > 0 && formatHistory([history[0]!]) === "") history.shift();
  try {
    mkdirSync(join(file, ".."), { recursive: true, mode: 0o700 });
    const temporary = `${file}.${process.pid}.tmp`;
    writeFileSync(temporary, formatHistory(history), { mode: 0o600 });
    renameSync(temporary, file);
  } catch (error) {
    if (!historyWarned) {
      historyWarned = true;
      const reason = error instanceof Error ? error.message : String(error);
      process.stderr.write(`entrakit: warning: the history cannot be saved (${reason}).\n`);
    }
  }
}
