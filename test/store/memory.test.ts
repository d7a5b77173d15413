import { openStore } from "../../src/store/index.ts";
import { fakeClock } from "./helpers/clock.ts";
import { storeContract } from "./helpers/contract.ts";

storeContract("memory", async () => {
  const clock = fakeClock();
  return { store: await openStore({ url: "memory:", env: {}, now: clock.now }), advance: clock.advance };
});
