/** The Microsoft Defender for Endpoint integration: the profile's auth plus the alert and machine commands. */
import { integrationFromProfile } from "../from-profile.ts";
import type { IntegrationModule } from "../handler.ts";
import { handlers } from "./commands.ts";
import { COMMANDS, CONTEXT_ROOT, PERMISSION_ALERTS, PERMISSION_MACHINES, PROFILE_ID } from "./manifest.ts";

export const defenderEndpointModule: IntegrationModule = integrationFromProfile(PROFILE_ID, {
  display: "Microsoft Defender for Endpoint",
  description:
    "Microsoft Defender for Endpoint (Defender ATP): alerts and machines of the tenant's endpoint protection.",
  category: "Endpoint",
  contextRoot: CONTEXT_ROOT,
  commands: COMMANDS,
  handlers,
  permissions: {
    read: [PERMISSION_ALERTS, PERMISSION_MACHINES],
    write: ["Alert.ReadWrite.All", "Machine.ReadWrite.All"],
  },
});
