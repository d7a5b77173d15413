/**
 * The endpoint overrides that aim an instance at the emulator: sign-in and Graph on the emulator's own
 * origin, every other resource API at `<emulator>/<real host>` (how the emulator serves ARM, Defender,
 * Log Analytics ...). Tokens keep the real audiences (runtime/targets.ts), so the emulator checks them as
 * Microsoft would. Use with `azure_cloud=Custom`.
 */
import { CLOUDS, type Cloud, type EndpointName } from "../clouds/registry.ts";
import type { EndpointOverrides } from "./instances.ts";
import { API_ENDPOINTS } from "./targets.ts";

/** Overrides for `login`, `graph` and every resource API host of `cloud` (default Worldwide). */
export function emulatorEndpoints(emulatorUrl: string, cloud: Cloud = CLOUDS.com): EndpointOverrides {
  const base = emulatorUrl.replace(/\/+$/, "");
  const out: EndpointOverrides = { login: base, graph: base };
  for (const name of API_ENDPOINTS) {
    const real = cloud.endpoints[name];
    if (name === "graph" || !real) continue;
    out[name as EndpointName] = `${base}/${new URL(real).host}`;
  }
  return out;
}

/** The same overrides as `--endpoint name=url` arguments for `entrakit instance add`. */
export function emulatorEndpointArgs(emulatorUrl: string, cloud: Cloud = CLOUDS.com): string[] {
  return Object.entries(emulatorEndpoints(emulatorUrl, cloud)).flatMap(([name, url]) => [
    "--endpoint",
    `${name}=${url}`,
  ]);
}
