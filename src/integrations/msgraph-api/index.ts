/** The Microsoft Graph API integration: the profile's auth (every flow, every cloud) plus the generic request. */
import { integrationFromProfile } from "../from-profile.ts";
import type { IntegrationModule } from "../handler.ts";
import { handlers } from "./commands.ts";
import { COMMANDS, CONTEXT_ROOT, PROFILE_ID } from "./manifest.ts";

export const msgraphApiModule: IntegrationModule = integrationFromProfile(PROFILE_ID, {
  display: "Microsoft Graph API",
  description:
    "Use the Microsoft Graph API integration to interact with Microsoft APIs that do not have dedicated integrations.",
  category: "Utilities",
  contextRoot: CONTEXT_ROOT,
  commands: COMMANDS,
  handlers,
});
