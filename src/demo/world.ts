/**
 * The demo's world: the embedded emulator on loopback seeded with 1,000 risky users, a throwaway in-memory
 * Store (nothing on disk, nothing under $HOME), and the two Azure Risky Users instances the narrated
 * session uses — one per sign-in flow, both a Custom cloud whose endpoints are the emulator.
 */
import type { EndpointName } from "../clouds/registry.ts";
import { type RunningEmulator, startEmulator } from "../emulator/server.ts";
import { DEV_APP, DEV_TENANT } from "../emulator/well-known.ts";
import { type InstanceInput, resolveInstance, saveInstance } from "../runtime/instances.ts";
import { openStore } from "../store/open.ts";
import type { EntrakitStore } from "../store/store.ts";

/** The generated Identity Protection data: fixed seed, so every run shows the same users. */
export const DEMO_GRAPH = { seed: 42, riskyUsers: 1000, detections: 300 } as const;

const INTEGRATION = "AzureRiskyUsers";

/** The instances the session runs against, as `entrakit instance add` would store them. */
export const DEMO_INSTANCES = [
  {
    name: "risky-app",
    flow: "Client Credentials",
    params: { client_secret: DEV_APP.secret },
    summary: "client credentials: the dev app and its well-known fake secret",
  },
  {
    name: "risky-device",
    flow: "Device Code",
    params: {},
    summary: "device code: a person signs in on the emulator's devicelogin page",
  },
] as const;

export interface DemoWorld {
  emulator: RunningEmulator;
  store: EntrakitStore;
  /** CA files the HTTP clients must trust (the emulator's CA with --tls). */
  caFiles: string[];
  /** Stops the emulator (which removes its temporary CA folder) and drops the store. Idempotent. */
  close(): Promise<void>;
}

export async function startDemoWorld(options: { tls?: boolean } = {}): Promise<DemoWorld> {
  const emulator = await startEmulator({
    host: "127.0.0.1",
    port: 0,
    tls: options.tls === true,
    config: { graph: { ...DEMO_GRAPH } },
  });
  let store: EntrakitStore | undefined;
  const close = async () => {
    await store?.close();
    await emulator.close();
  };
  try {
    store = await openStore({ url: "memory:", env: {} });
    const endpoints: Partial<Record<EndpointName, string>> = { login: emulator.url, graph: emulator.url };
    for (const spec of DEMO_INSTANCES) {
      const input: InstanceInput = {
        name: spec.name,
        integration: INTEGRATION,
        params: {
          authentication_type: spec.flow,
          client_id: DEV_APP.clientId,
          tenant_id: DEV_TENANT.id,
          azure_cloud: "Custom",
          ...spec.params,
        },
        endpoints,
      };
      await saveInstance(store, resolveInstance(input));
    }
    return {
      emulator,
      store,
      caFiles: emulator.caCertPath ? [emulator.caCertPath] : [],
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
