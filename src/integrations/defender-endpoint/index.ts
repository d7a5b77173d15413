/** The Microsoft Defender for Endpoint integration: the profile's auth plus the alert and machine commands. */
import { DEFENDER_ENDPOINT_TYPES } from "../../clouds/defender.ts";
import { integrationFromProfile } from "../from-profile.ts";
import type { IntegrationModule } from "../handler.ts";
import { findProfile } from "../profiles/index.ts";
import { parametersFor } from "../profiles/params.ts";
import type { ParameterSpec } from "../types.ts";
import { handlers } from "./commands.ts";
import { COMMANDS, CONTEXT_ROOT, PERMISSION_ALERTS, PERMISSION_MACHINES, PROFILE_ID } from "./manifest.ts";

/** The reference's labels and choices for the endpoint parameters (empty: `azure_cloud` decides). */
const ENDPOINT_PARAMS: Readonly<Record<string, Partial<ParameterSpec>>> = {
  endpoint_type: {
    display: "Endpoint Type",
    type: "select",
    options: [...DEFENDER_ENDPOINT_TYPES.map((type) => type.displayName), "Custom"],
    help: "The API host, scope and sign-in of a geo or government environment; Custom takes the url parameter.",
  },
  url: {
    display: "Endpoint URI",
    help: "The API host for the Custom endpoint type, e.g. https://api.securitycenter.microsoft.com.",
  },
  is_gcc: { display: "Is GCC (legacy)", type: "boolean", help: "Legacy: the same as endpoint_type=US GCC." },
};

export const defenderEndpointModule: IntegrationModule = integrationFromProfile(PROFILE_ID, {
  display: "Microsoft Defender for Endpoint",
  description:
    "Microsoft Defender for Endpoint (Defender ATP): alerts and machines of the tenant's endpoint protection.",
  category: "Endpoint",
  contextRoot: CONTEXT_ROOT,
  params: parametersFor(findProfile(PROFILE_ID)).map((param) => ({
    ...param,
    ...ENDPOINT_PARAMS[param.name],
  })),
  commands: COMMANDS,
  handlers,
  permissions: {
    read: [PERMISSION_ALERTS, PERMISSION_MACHINES],
    write: ["Alert.ReadWrite.All", "Machine.ReadWrite.All"],
  },
});
