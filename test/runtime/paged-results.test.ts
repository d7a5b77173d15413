/**
 * A risky-users list over several pages is kept as the pages' JSON text (runtime/paged-list.ts) and
 * streamed by the table renderer, the JSON writer and the context merge. Through the emulator, each of
 * them must give byte for byte what the non-streaming path gives for the same items materialised: the
 * markdown of `tableToMarkdown`, the JSON of one `JSON.stringify`, and the context of a merge of a plain
 * array (on a real SQLite file, empty and already holding users in the same or another order).
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { outputChunks } from "../../src/cli/results.ts";
import type { RunningEmulator } from "../../src/emulator/server.ts";
import { DEV_TENANT } from "../../src/emulator/well-known.ts";
import { nextLink } from "../../src/http/odata.ts";
import { azureRiskyUsersModule } from "../../src/integrations/azure-risky-users/index.ts";
import { USER_COLUMNS, USER_PREFIX } from "../../src/integrations/azure-risky-users/manifest.ts";
import { parseCommandLine } from "../../src/runtime/command-line.ts";
import { mergeStoredContext, readStoredContext } from "../../src/runtime/context-store.ts";
import { runCommand } from "../../src/runtime/dispatch.ts";
import { PagedList, pagedField, pagedFieldOf } from "../../src/runtime/paged-list.ts";
import { pascalToSpace, tableToMarkdown } from "../../src/runtime/render.ts";
import { type CommandOutputs, type CommandResult, toJsonEntry } from "../../src/runtime/result.ts";
import { generateMasterKey, openStore } from "../../src/store/index.ts";
import { encodeMasterKey } from "../../src/store/seal.ts";
import type { Store } from "../../src/store/types.ts";
import {
  ANCHOR_MS,
  appToken,
  graphClient,
  startRiskyUsersEmulator,
} from "../integrations/azure-risky-users/emulator-support.ts";

type Item = Record<string, unknown>;

const USERS = 1300;
const env = { ENTRAKIT_MASTER_KEY: encodeMasterKey(generateMasterKey()) };
const dir = mkdtempSync(join(tmpdir(), "entrakit-paged-"));
let emu: RunningEmulator;
let token: string;
/** Every user, read page by page with plain GETs (not through the command). */
let direct: Item[];

before(async () => {
  emu = await startRiskyUsersEmulator({ riskyUsers: USERS });
  token = await appToken(emu, DEV_TENANT.id);
  // The first request the command sends, then its nextLinks, with plain GETs.
  const probe = graphClient(emu, token);
  await runCommand(azureRiskyUsersModule, parseCommandLine("!azure-risky-users-list limit=100000"), {
    client: probe,
    now: () => ANCHOR_MS,
  });
  const client = graphClient(emu, token);
  direct = [];
  let page = (await client.get(probe.requests[0]!.url)) as Item;
  for (;;) {
    direct.push(...(page.value as Item[]));
    const link = nextLink(page);
    if (!link) break;
    page = (await client.get(link)) as Item;
  }
  assert.equal(direct.length, USERS);
});
after(async () => {
  await emu?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function list(limit: number): Promise<CommandResult> {
  const results = await runCommand(
    azureRiskyUsersModule,
    parseCommandLine(`!azure-risky-users-list limit=${limit}`),
    { client: graphClient(emu, token), now: () => ANCHOR_MS },
  );
  assert.equal(results.length, 1);
  return results[0]!;
}

/** The list behind the result's outputs: the streaming path must be the one taken. */
function pagesOf(result: CommandResult): PagedList {
  const paged = pagedFieldOf(result.outputs, "data");
  assert.ok(paged instanceof PagedList, "the list is kept as pages");
  return paged;
}

/** The same result as the non-streaming path builds it: plain arrays, the markdown as one string. */
function materialised(result: CommandResult): CommandResult {
  const items = result.outputs!.data as Item[];
  const raw = result.raw as Item;
  return {
    readable: tableToMarkdown("Risky Users List:", items, {
      headers: USER_COLUMNS,
      headerTransform: pascalToSpace,
      removeNull: true,
    }),
    outputs: { prefix: USER_PREFIX, key: "id", data: items },
    raw: {
      value: raw.value,
      "@odata.context": raw["@odata.context"],
      "@odata.nextLink": raw["@odata.nextLink"],
    },
  };
}

const joined = (chunks: Iterable<string>) => [...chunks].join("");

async function withStore(run: (store: Store) => Promise<void>): Promise<void> {
  const store = await openStore({ url: `sqlite:${join(dir, `${randomUUID()}.db`)}`, env });
  try {
    await run(store);
  } finally {
    await store.close();
  }
}

test("a list over several pages streams the same markdown and JSON as the materialised items", async () => {
  for (const limit of [1250, 100_000]) {
    const result = await list(limit);
    const expectedItems = direct.slice(0, Math.min(limit, USERS));
    assert.equal(pagesOf(result).pageCount, 3);
    assert.equal(pagesOf(result).length, expectedItems.length);
    assert.deepEqual(result.outputs!.data, expectedItems);
    assert.deepEqual((result.raw as Item).value, expectedItems);
    // Both windows end in the last page, so there is no link to more.
    assert.equal((result.raw as Item)["@odata.nextLink"], null);

    const plain = materialised(result);
    const markdown = joined(outputChunks([result], "md"));
    assert.ok(markdown.startsWith("### Risky Users List:\n|"));
    assert.equal(markdown.split("\n").length, expectedItems.length + 5);
    assert.equal(markdown, `${plain.readable}\n`);
    assert.equal(result.readable, plain.readable);

    const json = joined(outputChunks([result], "json"));
    assert.equal(json, `${JSON.stringify([toJsonEntry(plain)], null, 2)}\n`);
    assert.deepEqual(JSON.parse(json)[0].outputs.data, expectedItems);
  }
});

test("a paged list merges into the context exactly as the plain array does", async () => {
  const result = await list(100_000);
  const items = result.outputs!.data as Item[];
  const plain: CommandOutputs = { prefix: USER_PREFIX, key: "id", data: items };
  const changed = (item: Item, mark: string) => ({ ...item, riskDetail: mark });
  // Every other user, in the same order, with another value (replaced in place); and unrelated ones.
  const sameOrder = [...items.filter((_, i) => i % 2 === 0).map((u) => changed(u, "old")), { id: "x1" }];
  // Users in a scattered order, so the merge reads them back out of page order.
  const scattered = items
    .filter((_, i) => i % 3 !== 1)
    .sort((a, b) => (String(a.id) < String(b.id) ? -1 : 1));
  for (const before of [[], sameOrder, scattered]) {
    const contexts: string[] = [];
    for (const outputs of [result.outputs!, plain]) {
      await withStore(async (store) => {
        if (before.length > 0) {
          await mergeStoredContext(store, "ns", [{ prefix: USER_PREFIX, key: "id", data: before }], {
            chunkSize: 100,
          });
        }
        await mergeStoredContext(store, "ns", [outputs], { chunkSize: 100 });
        contexts.push(JSON.stringify(await readStoredContext(store, "ns")));
      });
    }
    assert.equal(contexts[0], contexts[1]);
    const merged = JSON.parse(contexts[0]!).AzureRiskyUsers.RiskyUser as Item[];
    assert.equal(merged.length, USERS + (before === sameOrder ? 1 : 0));
    assert.ok(merged.every((user) => user.riskDetail !== "old"));
  }
});

test("a paged list with an id given twice keeps its first place and its last value, as the array does", async () => {
  const pages = [
    [{ id: "a", v: 1 }, { id: "b", v: 1 }, { v: "no id" }],
    [
      { id: "c", v: 1 },
      { id: "a", v: 2 },
    ],
    [
      { id: "b", v: 3 },
      { id: "d", v: 1 },
    ],
  ];
  const paged = new PagedList();
  for (const page of pages) paged.push(page);
  const outputs = pagedField({ prefix: "R.User", key: "id" } as CommandOutputs, "data", paged);
  const contexts: unknown[] = [];
  for (const data of [outputs, { prefix: "R.User", key: "id", data: pages.flat() }]) {
    await withStore(async (store) => {
      await mergeStoredContext(store, "ns", [{ prefix: "R.User", key: "id", data: [{ id: "b", v: 0 }] }]);
      await mergeStoredContext(store, "ns", [data], { chunkSize: 2 });
      contexts.push(await readStoredContext(store, "ns"));
    });
  }
  assert.deepEqual(contexts[0], contexts[1]);
  assert.deepEqual(contexts[0], {
    R: {
      User: [{ id: "b", v: 3 }, { id: "a", v: 2 }, { v: "no id" }, { id: "c", v: 1 }, { id: "d", v: 1 }],
    },
  });
});
