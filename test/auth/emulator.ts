/** Test-only: an emulator over HTTPS and an HTTP client that trusts its CA (and nothing else extra). */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type AuthHttp, createAuthHttp } from "../../src/auth/transport.ts";
import type { EmulatorModuleFactory } from "../../src/emulator/contracts.ts";
import { type RunningEmulator, startEmulator } from "../../src/emulator/server.ts";

export interface TestEmulator {
  emulator: RunningEmulator;
  http: AuthHttp;
  stateDir: string;
  /** An injectable sleep that records each wait and moves the emulator's clock instead of waiting. */
  sleep: (ms: number) => Promise<void>;
  waits: number[];
  close(): Promise<void>;
}

export async function startTestEmulator(
  options: { modules?: EmulatorModuleFactory[]; config?: Record<string, unknown> } = {},
): Promise<TestEmulator> {
  const stateDir = mkdtempSync(join(tmpdir(), "entrakit-emu-"));
  const emulator = await startEmulator({
    tls: true,
    stateDir,
    ...(options.modules ? { modules: options.modules } : {}),
    ...(options.config ? { config: options.config } : {}),
  });
  const waits: number[] = [];
  return {
    emulator,
    http: createAuthHttp({ caCertificates: [emulator.caCert!] }),
    stateDir,
    waits,
    sleep: async (ms) => {
      waits.push(ms);
      emulator.admin.advanceClock(ms);
    },
    async close() {
      await emulator.close();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

/** The claims of a JWT, decoded without verification (tests compare them to the directory). */
export function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString("utf8")) as Record<
    string,
    unknown
  >;
}

/** Wraps a client to record every request it sends (real traffic still flows; nothing is faked). */
export function recording(
  http: AuthHttp,
): AuthHttp & { sent: import("../../src/auth/transport.ts").AuthHttpRequest[] } {
  const sent: import("../../src/auth/transport.ts").AuthHttpRequest[] = [];
  return {
    sent,
    send(request) {
      sent.push(request);
      return http.send(request);
    },
  };
}
