/**
 * Every integration entrakit ships: one per auth profile of the seed table, in the seed's order. An
 * integration with data commands is listed in MODULES (built with `integrationFromProfile` or by hand with
 * the profile's auth); every other profile gets a generated integration with its auth commands only.
 */
import { EntrakitError } from "../errors.ts";
import { azureRiskyUsersModule } from "./azure-risky-users/index.ts";
import { defenderEndpointModule } from "./defender-endpoint/index.ts";
import { integrationFromProfile } from "./from-profile.ts";
import type { IntegrationModule } from "./handler.ts";
import { msgraphApiModule } from "./msgraph-api/index.ts";
import { normaliseName, PROFILES } from "./profiles/index.ts";

/** Integrations with data commands. Adding one is adding a line here. */
const MODULES: readonly IntegrationModule[] = [
  azureRiskyUsersModule,
  defenderEndpointModule,
  msgraphApiModule,
];

export const INTEGRATIONS: readonly IntegrationModule[] = PROFILES.map(
  (profile) =>
    MODULES.find((module) => module.definition.profile.id === profile.id) ?? integrationFromProfile(profile),
);

/**
 * An integration by its id, its profile's id or seed name (case and punctuation aside), or by a command
 * prefix only one integration uses.
 */
export function findIntegration(id: string): IntegrationModule {
  const wanted = normaliseName(id);
  const found = INTEGRATIONS.find(({ definition }) =>
    [definition.id, definition.profile.id, definition.profile.name].some(
      (name) => normaliseName(name) === wanted,
    ),
  );
  if (found) return found;
  const byPrefix = INTEGRATIONS.filter(({ definition }) => definition.prefix === id.toLowerCase());
  if (byPrefix.length === 1) return byPrefix[0]!;
  if (byPrefix.length > 1) {
    throw new EntrakitError("usage", `The prefix "${id}" is shared by several integrations.`, {
      hint: `Name one of them by id: ${byPrefix.map(({ definition }) => definition.id).join(", ")}.`,
    });
  }
  throw new EntrakitError("usage", `Unknown integration "${id}".`, {
    hint: "Run `entrakit integrations` to list them; give an id such as azure-key-vault.",
  });
}
