/**
 * The modules every emulator serves, in dispatch order. Each module owns its paths; add one import and
 * one entry per module.
 */
import type { EmulatorModuleFactory } from "./contracts.ts";
import { defenderEndpointModule } from "./defender-endpoint/index.ts";
import { graphModule } from "./graph/index.ts";
import { identityModule } from "./identity/index.ts";
import { managedIdentityModule } from "./managed-identity/index.ts";
import { resourcesModule } from "./resources/index.ts";

export const defaultModules: EmulatorModuleFactory[] = [
  identityModule,
  managedIdentityModule,
  graphModule,
  defenderEndpointModule,
  resourcesModule,
];
