/**
 * Redis for the store tests: `REDIS_URL` when set, else a private `redis-server` child on a free port
 * (no persistence unless asked), else the suite is skipped with the reason — except with `CI=true`, where
 * a missing Redis is a failure.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";

export function redisServerAvailable(): boolean {
  return spawnSync("redis-server", ["--version"], { stdio: "ignore" }).status === 0;
}

/** Why Redis tests cannot run here, or undefined when they can. Throws under CI=true instead. */
export function redisUnavailableReason(needOwnServer = false): string | undefined {
  if (!needOwnServer && process.env.REDIS_URL) return undefined;
  if (redisServerAvailable()) return undefined;
  const reason = needOwnServer
    ? "redis-server is not installed (this test stops and restarts its own server)"
    : "REDIS_URL is not set and redis-server is not installed";
  if (process.env.CI === "true") throw new Error(`Redis is required under CI=true: ${reason}`);
  return reason;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

/** Sends PING until the server answers PONG (or gives up after `attempts`). */
export async function waitForRedis(port: number, attempts = 200): Promise<void> {
  for (let i = 0; i < attempts; i++) {
    const pong = await new Promise<boolean>((resolve) => {
      const socket = connect(port, "127.0.0.1");
      socket.on("connect", () => socket.write("PING\r\n"));
      socket.on("data", (data) => {
        socket.destroy();
        resolve(data.toString().startsWith("+PONG"));
      });
      socket.on("error", () => resolve(false));
    });
    if (pong) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`redis-server on port ${port} did not answer`);
}

export interface RedisChild {
  port: number;
  url: string;
  /** Data directory (append-only file when persistent). */
  dir: string;
  start(): Promise<void>;
  /** SIGKILL, as if the server crashed; resolves once the process is gone. */
  kill(): Promise<void>;
}

/** A redis-server of our own. `persistent` keeps an fsync-always append-only file across restarts. */
export async function startRedisChild(persistent = false): Promise<RedisChild> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "entrakit-redis-"));
  const args = ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--save", ""];
  args.push(...(persistent ? ["--appendonly", "yes", "--appendfsync", "always"] : ["--appendonly", "no"]));
  let child: ChildProcess | undefined;
  const redis: RedisChild = {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    async start() {
      child = spawn("redis-server", args, { stdio: "ignore" });
      await waitForRedis(port);
    },
    async kill() {
      const running = child;
      child = undefined;
      if (!running || running.exitCode !== null) return;
      await new Promise((resolve) => {
        running.once("exit", resolve);
        running.kill("SIGKILL");
      });
    },
  };
  await redis.start();
  return redis;
}

export interface TestRedis {
  url: string;
  /** The URL with `?prefix=`, so each test has its own keys even on a shared Redis. */
  prefixed(prefix: string): string;
  /** Kills our child server, or on a shared `REDIS_URL` deletes the keys under every prefix used. */
  stop(): Promise<void>;
}

/** A Redis for a test file: `REDIS_URL`, else a child server of our own. */
export async function redisForTests(): Promise<TestRedis> {
  const prefixes: string[] = [];
  const prefixed = (url: string, prefix: string) => {
    prefixes.push(prefix);
    const parsed = new URL(url);
    parsed.searchParams.set("prefix", prefix);
    return parsed.toString();
  };
  const shared = process.env.REDIS_URL;
  if (shared) {
    return {
      url: shared,
      prefixed: (prefix) => prefixed(shared, prefix),
      async stop() {
        const client = new Redis(shared);
        try {
          for (const prefix of prefixes) {
            const keys = await client.keys(`${prefix.replace(/[*?[\]\\]/g, (c) => `\\${c}`)}*`);
            if (keys.length > 0) await client.del(...keys);
          }
        } finally {
          client.disconnect();
        }
      },
    };
  }
  const child = await startRedisChild();
  return { url: child.url, prefixed: (prefix) => prefixed(child.url, prefix), stop: () => child.kill() };
}
