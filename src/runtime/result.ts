/**
 * CommandResult: what every integration command returns, one or more per run (the reference's
 * CommandResults entries). Readable markdown for people, outputs for the context, raw for automation.
 */

export interface CommandOutputs {
  /** Context path, e.g. `AzureRiskyUsers.RiskyUser`. */
  prefix: string;
  /** Merge items by this field (`id`). Without a key the outputs overwrite: the `(true)` form. */
  key?: string;
  /** An object or a list of objects. */
  data: unknown;
}

export interface CommandResult {
  /** Markdown, as the War Room shows it. */
  readable: string;
  outputs?: CommandOutputs;
  /** The API response the result was built from (or the synthetic page the reference builds). */
  raw?: unknown;
}

/** The `--output json` shape of one result: stable field names, documented in docs/commands.md. */
export interface JsonEntry {
  readable: string;
  outputs: { prefix: string; key: string | null; data: unknown } | null;
  /** The entry context key as the reference writes it, e.g. `AzureRiskyUsers.RiskyUser(val.id && val.id == obj.id)`. */
  contextKey: string | null;
  raw: unknown;
}

/** The reference's DT selector for a key field: the same item is the one with the same key value. */
export function contextKeyOf(outputs: CommandOutputs): string {
  return outputs.key === undefined
    ? `${outputs.prefix}(true)`
    : `${outputs.prefix}(val.${outputs.key} && val.${outputs.key} == obj.${outputs.key})`;
}

export function toJsonEntry(result: CommandResult): JsonEntry {
  const { outputs } = result;
  return {
    readable: result.readable,
    outputs: outputs ? { prefix: outputs.prefix, key: outputs.key ?? null, data: outputs.data } : null,
    contextKey: outputs ? contextKeyOf(outputs) : null,
    raw: result.raw ?? null,
  };
}
