/**
 * Redis URLs for messages, apart from the Redis backend so that resolving a store location does not load
 * ioredis (a SQLite CLI run never needs it).
 */

/** The URL with any password replaced, safe for messages and `store info`. */
export function redactRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "redis:(unparsable URL)";
  }
}
