/** The Azure Risky Users integration: its manifest and its command code. */
import type { IntegrationModule } from "../handler.ts";
import { handlers } from "./commands.ts";
import { azureRiskyUsers } from "./manifest.ts";

export const azureRiskyUsersModule: IntegrationModule = { definition: azureRiskyUsers, handlers };
