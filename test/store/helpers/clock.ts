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

/** Adds `?prefix=` to a Redis URL so each test file has its own keys, even on a shared Redis. */
export function withPrefix(url: string, prefix: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set("prefix", prefix);
  return parsed.toString();
}
