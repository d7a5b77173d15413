/**
 * What command code receives and returns. An integration module pairs its manifest (data) with one
 * handler per command name; the runtime validates arguments before a handler runs.
 */
import type { Arguments } from "../runtime/arguments.ts";
import type { NowFn } from "../runtime/dates.ts";
import type { CommandResult } from "../runtime/result.ts";
import type { ApiClient } from "./api-client.ts";
import type { IntegrationDefinition } from "./types.ts";

export interface CommandContext {
  client: ApiClient;
  /** The clock relative dates resolve against (injected so tests are deterministic). */
  now: NowFn;
  /** One-line progress for long paging; the CLI shows it on stderr when stderr is a TTY. */
  progress?: (message: string) => void;
}

export type CommandHandler = (args: Arguments, context: CommandContext) => Promise<CommandResult[]>;

export interface IntegrationModule {
  definition: IntegrationDefinition;
  /** One handler per data command of the definition, by command name. */
  handlers: Readonly<Partial<Record<string, CommandHandler>>>;
}
