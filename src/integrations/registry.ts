/** Every integration entrakit ships, by id. Adding one is adding a line here. */
import { EntrakitError } from "../errors.ts";
import { azureRiskyUsersModule } from "./azure-risky-users/index.ts";
import type { IntegrationModule } from "./handler.ts";

export const INTEGRATIONS: readonly IntegrationModule[] = [azureRiskyUsersModule];

export function findIntegration(id: string): IntegrationModule {
  const wanted = id.toLowerCase();
  const found = INTEGRATIONS.find(
    (module) => module.definition.id.toLowerCase() === wanted || module.definition.prefix === wanted,
  );
  if (!found) {
    const known = INTEGRATIONS.map((module) => module.definition.id).join(", ");
    throw new EntrakitError("usage", `Unknown integration "${id}".`, {
      hint: `Known integrations: ${known}.`,
    });
  }
  return found;
}
