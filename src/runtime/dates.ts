/**
 * Date arguments: ISO-8601 and the relative forms SOC analysts type ("10 days", "5 months", "2 hours ago",
 * "yesterday"), always resolved to UTC against an injected clock. The reference silently dropped a filter
 * it could not parse; here an unparseable date is an error.
 */
import { EntrakitError } from "../errors.ts";

/** An instant in UTC with up to seven fractional second digits (OData DateTimeOffset precision). */
export interface UtcInstant {
  /** Milliseconds since the epoch (sub-millisecond digits live in `fraction`). */
  epochMs: number;
  /** Exactly seven digits: the fractional second, e.g. "2575250". */
  fraction: string;
}

export type NowFn = () => number;

type Unit = "second" | "minute" | "hour" | "day" | "week" | "month" | "year";

/** Accepted unit spellings (singular, plural, common abbreviations). */
const UNITS: Readonly<Record<string, Unit>> = {
  s: "second",
  sec: "second",
  secs: "second",
  second: "second",
  seconds: "second",
  m: "minute",
  min: "minute",
  mins: "minute",
  minute: "minute",
  minutes: "minute",
  h: "hour",
  hr: "hour",
  hrs: "hour",
  hour: "hour",
  hours: "hour",
  d: "day",
  day: "day",
  days: "day",
  w: "week",
  week: "week",
  weeks: "week",
  mo: "month",
  month: "month",
  months: "month",
  y: "year",
  year: "year",
  years: "year",
};

const FIXED_UNIT_MS: Readonly<Record<Exclude<Unit, "month" | "year">, number>> = {
  second: 1_000,
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
  week: 604_800_000,
};

/** Words that name an instant relative to now. "yesterday" keeps the time of day, as dateparser does. */
const WORDS: Readonly<Record<string, { amount: number; unit: Unit }>> = {
  now: { amount: 0, unit: "second" },
  today: { amount: 0, unit: "second" },
  yesterday: { amount: 1, unit: "day" },
};

const RELATIVE = /^(?:(\d+)|an?)\s*([a-z]+)(?:\s+ago)?$/;
const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/** Parses a date argument; throws a usage error naming the accepted forms. */
export function parseDate(input: string, now: NowFn, argumentName = "date"): UtcInstant {
  const text = input.trim();
  const parsed = parseIso(text) ?? parseRelative(text.toLowerCase(), now());
  if (!parsed) {
    throw new EntrakitError("usage", `Cannot read ${JSON.stringify(input)} as a date for ${argumentName}.`, {
      hint: 'Use ISO-8601 (2024-02-27T04:49:26Z) or a relative time such as "10 days", "2 hours ago", "5 months" or "yesterday".',
    });
  }
  return parsed;
}

function parseIso(text: string): UtcInstant | undefined {
  const m = ISO.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h = "00", mi = "00", s = "00", frac = "", zone] = m;
  const fields = [Number(y), Number(mo), Number(d), Number(h), Number(mi), Number(s)] as const;
  const [year, month, day, hour, minute, second] = fields;
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return undefined;
  const base = Date.UTC(year, month - 1, day, hour, minute, second);
  // Date.UTC rolls 2024-02-31 over into March; a real calendar date round-trips.
  if (new Date(base).getUTCDate() !== day) return undefined;
  const fraction = frac.slice(0, 7).padEnd(7, "0");
  const epochMs = base - zoneOffsetMs(zone) + Number(fraction.slice(0, 3));
  return { epochMs, fraction };
}

/** Offset of an ISO zone designator; no designator means UTC (the reference parses with TIMEZONE=UTC). */
function zoneOffsetMs(zone: string | undefined): number {
  if (!zone || zone.toUpperCase() === "Z") return 0;
  const sign = zone.startsWith("-") ? -1 : 1;
  const digits = zone.slice(1).replace(":", "");
  const hours = Number(digits.slice(0, 2));
  const minutes = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
  return sign * (hours * 60 + minutes) * 60_000;
}

function parseRelative(text: string, nowMs: number): UtcInstant | undefined {
  const word = WORDS[text];
  if (word) return fromEpochMs(subtract(nowMs, word.amount, word.unit));
  const m = RELATIVE.exec(text.replace(/\s+/g, " "));
  if (!m) return undefined;
  const unit = UNITS[m[2]!];
  if (!unit) return undefined;
  const amount = m[1] === undefined ? 1 : Number(m[1]);
  // A bare duration ("10 days") means that long ago, as in the reference.
  return fromEpochMs(subtract(nowMs, amount, unit));
}

function subtract(nowMs: number, amount: number, unit: Unit): number {
  if (unit === "month" || unit === "year") {
    return subtractCalendarMonths(nowMs, unit === "year" ? amount * 12 : amount);
  }
  return nowMs - amount * FIXED_UNIT_MS[unit];
}

/** Calendar months, clamping the day: 31 March minus one month is 28/29 February. */
function subtractCalendarMonths(nowMs: number, months: number): number {
  const now = new Date(nowMs);
  const totalMonths = now.getUTCFullYear() * 12 + now.getUTCMonth() - months;
  const year = Math.floor(totalMonths / 12);
  const month = totalMonths - year * 12;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const day = Math.min(now.getUTCDate(), lastDay);
  return Date.UTC(
    year,
    month,
    day,
    now.getUTCHours(),
    now.getUTCMinutes(),
    now.getUTCSeconds(),
    now.getUTCMilliseconds(),
  );
}

function fromEpochMs(epochMs: number): UtcInstant {
  const ms = ((epochMs % 1000) + 1000) % 1000;
  return { epochMs, fraction: `${String(ms).padStart(3, "0")}0000` };
}

/** `YYYY-MM-DDTHH:MM:SS.fffffffZ`: the seven-digit form the reference puts in OData filters. */
export function formatODataDate(instant: UtcInstant): string {
  const whole = new Date(instant.epochMs - (((instant.epochMs % 1000) + 1000) % 1000));
  return `${whole.toISOString().slice(0, 19)}.${instant.fraction}Z`;
}
