/**
 * `entrakit store info` and `entrakit store rotate-key`. The store is chosen by `--store <url>`, else
 * `ENTRAKIT_STORE`; keys come from `ENTRAKIT_MASTER_KEY` / `ENTRAKIT_NEW_MASTER_KEY` or the key file.
 * Keys are never taken as arguments (they would show in `ps` and shell history) and never printed.
 */
import type { Command } from "commander";
import { describeStore, type StoreInfo } from "../store/info.ts";
import { rotateConfiguredMasterKey } from "../store/rotate.ts";
import type { OpenStoreOptions } from "../store/types.ts";

function storeOptions(command: Command): OpenStoreOptions {
  const url = command.optsWithGlobals<{ store?: string }>().store;
  return url ? { url } : {};
}

function renderInfo(info: StoreInfo): string {
  const lines = [
    `store:       ${info.location}${info.exists ? "" : " (not created yet)"}`,
    `master key:  ${info.keySource}${info.keyId ? ` (key id ${info.keyId})` : " (not created yet)"}`,
  ];
  if (!info.sealedWith) lines.push("sealed with: nothing sealed yet");
  else
    lines.push(
      `sealed with: key id ${info.sealedWith}${info.keyMatches ? " (matches)" : " (DOES NOT MATCH the configured key)"}`,
    );
  if (info.rotatingTo || info.pendingKeyFile) {
    lines.push(
      `rotation:    unfinished, to key id ${info.rotatingTo ?? "(see the .next key file)"}; run \`entrakit store rotate-key\` to finish it`,
    );
  }
  lines.push(`instances:   ${info.instances.length}`);
  for (const instance of info.instances) {
    lines.push(`  ${instance.name}: ${instance.records} records, ${instance.sealed} sealed`);
  }
  return `${lines.join("\n")}\n`;
}

export function registerStoreCommand(program: Command): void {
  const store = program
    .command("store")
    .description("inspect the token and secret store, rotate its master key")
    .option(
      "--store <url>",
      "store URL (sqlite:, sqlite:/path/file.db, redis://..., rediss://...); default $ENTRAKIT_STORE",
    );

  store
    .command("info")
    .description("where the store and its master key are, whether the key matches, records per instance")
    .option("--json", "print JSON")
    .action(async (options: { json?: boolean }, command: Command) => {
      const info = await describeStore(storeOptions(command));
      process.stdout.write(options.json ? `${JSON.stringify(info, null, 2)}\n` : renderInfo(info));
    });

  store
    .command("rotate-key")
    .description(
      "re-seal every secret under a new master key (ENTRAKIT_NEW_MASTER_KEY, or a generated key file); safe to re-run after an interruption",
    )
    .action(async (_options: unknown, command: Command) => {
      const { report, newKeyId, keyFile } = await rotateConfiguredMasterKey(storeOptions(command));
      const lines = [
        `re-sealed ${report.resealed} records under key id ${newKeyId} (${report.alreadyNew} already were, ${report.plain} plain records left as they are)`,
      ];
      for (const ref of report.corrupted)
        lines.push(`warning: record "${ref.key}" of instance "${ref.namespace}" is corrupted; left as it is`);
      for (const ref of report.unknownKey) {
        lines.push(
          `warning: record "${ref.key}" of instance "${ref.namespace}" is sealed with an unknown key; left as it is`,
        );
      }
      lines.push(
        keyFile
          ? `the key file ${keyFile} now holds the new key`
          : "now set ENTRAKIT_MASTER_KEY to the value of ENTRAKIT_NEW_MASTER_KEY everywhere this store is used",
      );
      process.stdout.write(`${lines.join("\n")}\n`);
    });
}
