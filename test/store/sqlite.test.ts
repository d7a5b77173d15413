import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after } from "node:test";
import { openStore } from "../../src/store/index.ts";
import { fakeClock } from "./helpers/clock.ts";
import { storeContract } from "./helpers/contract.ts";

const dir = mkdtempSync(join(tmpdir(), "entrakit-store-"));
after(() => rmSync(dir, { recursive: true, force: true }));

// One real file shared by every test of the suite, as several instances share it in production.
storeContract("SQLite file", async () => {
  const clock = fakeClock();
  const store = await openStore({ url: `sqlite:${join(dir, "store.db")}`, env: {}, now: clock.now });
  return { store, advance: clock.advance };
});
