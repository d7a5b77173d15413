/**
 * A child process for the concurrent-merge test: `context-merger.ts <store url> <worker> <rounds> <workers>`.
 * The workers wait for each other (a ready record each), so that their merges really overlap. Each round merges five new users of its own, replaces the user both workers share, and overwrites its
 * own round counter beside the list, in small chunks so that every merge crosses chunk borders.
 */
import { setTimeout } from "node:timers/promises";
import { mergeStoredContext } from "../../../src/runtime/context-store.ts";
import { openStore } from "../../../src/store/index.ts";

const [url, worker, rounds, workers] = process.argv.slice(2) as [string, string, string, string];
const store = await openStore({ url, env: { ENTRAKIT_MASTER_KEY: process.env.ENTRAKIT_MASTER_KEY } });
await store.set("start", `ready.${worker}`, true);
while ((await store.list("start", "ready.")).length < Number(workers)) await setTimeout(5);
for (let round = 0; round < Number(rounds); round++) {
  const users = Array.from({ length: 5 }, (_, i) => ({ id: `w${worker}-${round}-${i}`, worker, round }));
  users.push({ id: "shared", worker, round });
  await mergeStoredContext(
    store,
    "ctx",
    [
      { prefix: "R.User", key: "id", data: users },
      { prefix: "R", data: { [`LastRound${worker}`]: round } },
    ],
    { chunkSize: 4 },
  );
}
await store.close();
