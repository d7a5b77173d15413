/** A settable clock for the memory and SQLite backends: tests move time instead of sleeping. */
export function fakeClock(start = Date.now()) {
  let now = start;
  return {
    now: () => now,
    advance: async (ms: number) => {
      now += ms;
    },
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
