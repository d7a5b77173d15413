/**
 * A child process for the multi-process tests: `hammer.ts <store url> <increments> <lease rounds> <id>`.
 * It CAS-increments a shared counter, and under a lease does a deliberately unguarded read-then-write
 * (which only stays correct if the lease really excludes the other processes).
 */
import { openStore } from "../../../src/store/index.ts";

const [url, increments, leaseRounds, id] = process.argv.slice(2) as [string, string, string, string];
const store = await openStore({ url, env: { ENTRAKIT_MASTER_KEY: process.env.ENTRAKIT_MASTER_KEY } });
const ns = "shared";
let acquired = 0;
for (let i = 0; i < Number(increments); i++) {
  await store.update<number>(ns, "counter", (n) => (n ?? 0) + 1, { maxAttempts: 10_000, seal: true });
}
for (let round = 0; round < Number(leaseRounds); ) {
  const lease = await store.acquireLease(ns, "lease", { owner: `${id}-${round}`, ttlMs: 30_000 });
  if (!lease) {
    await new Promise((resolve) => setImmediate(resolve));
    continue;
  }
  const guarded = await store.get<number[]>(ns, "fences");
  await store.set(ns, "fences", [...(guarded?.value ?? []), lease.fence]);
  if (!(await store.releaseLease(lease))) throw new Error("lost a lease that had not expired");
  acquired++;
  round++;
}
await store.close();
process.stdout.write(JSON.stringify({ id, acquired }));
