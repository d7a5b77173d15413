/**
 * The emulator's settable clock. Time flows with the real clock plus an offset, so tests can jump ahead
 * (expire codes, device codes and tokens) without sleeping; `freeze` stops it for exact assertions.
 */
import type { Clock } from "./contracts.ts";

export interface ClockState {
  /** Milliseconds since the epoch, as the emulator sees it now. */
  now: number;
  /** Milliseconds added to the real clock. */
  offsetMs: number;
  frozen: boolean;
}

export class SettableClock implements Clock {
  #offsetMs = 0;
  #frozenAt: number | undefined;
  readonly #real: () => number;

  constructor(real: () => number = Date.now) {
    this.#real = real;
  }

  now(): number {
    return this.#frozenAt ?? this.#real() + this.#offsetMs;
  }

  /** Sets the current time; a frozen clock stays at that instant. */
  set(epochMs: number, options: { frozen?: boolean } = {}): ClockState {
    this.#offsetMs = epochMs - this.#real();
    this.#frozenAt = options.frozen ? epochMs : undefined;
    return this.state();
  }

  advance(ms: number): ClockState {
    if (this.#frozenAt !== undefined) this.#frozenAt += ms;
    this.#offsetMs += ms;
    return this.state();
  }

  freeze(): ClockState {
    this.#frozenAt = this.now();
    return this.state();
  }

  /** Back to real time, flowing. */
  reset(): ClockState {
    this.#offsetMs = 0;
    this.#frozenAt = undefined;
    return this.state();
  }

  state(): ClockState {
    return { now: this.now(), offsetMs: this.#offsetMs, frozen: this.#frozenAt !== undefined };
  }
}
