/**
 * The app roles each integration's connectivity test needs, per resource API, as data: what an admin
 * grants the app registration so that every Test button passes. The development directory does not
 * consent to them by default (its app keeps the documented Graph permissions); a config or test that
 * wants every probe to pass seeds these consents for its app.
 */
import { GRAPH_APP_ID } from "../well-known.ts";

/** App roles per resource (app id or identifier URI), read-only wherever the API has a read role. */
export const CONNECTIVITY_ROLES: Readonly<Record<string, readonly string[]>> = {
  [GRAPH_APP_ID]: [
    "User.Read.All",
    "Group.Read.All",
    "Team.ReadBasic.All",
    "Mail.Read",
    "SecurityAlert.Read.All",
    "DeviceManagementManagedDevices.Read.All",
    "Application.Read.All",
    "IdentityRiskyUser.Read.All",
    "IdentityRiskEvent.Read.All",
  ],
  "https://api.loganalytics.io": ["Data.Read"],
  "https://manage.office.com": ["ActivityFeed.Read"],
  "https://api.security.microsoft.com": ["Incident.Read.All", "AdvancedHunting.Read.All"],
  "05a65629-4c1b-48c1-a78b-804c4abdd4af": ["investigation.read"],
  "https://api.securitycenter.microsoft.com": ["Alert.Read.All", "Machine.Read.All"],
};

/** The config `consents` entries granting `CONNECTIVITY_ROLES` to an app in a tenant. */
export function connectivityConsents(
  tenant: string,
  clientId: string,
): Array<{ tenant: string; clientId: string; resource: string; applicationPermissions: string[] }> {
  return Object.entries(CONNECTIVITY_ROLES).map(([resource, roles]) => ({
    tenant,
    clientId,
    resource,
    applicationPermissions: [...roles],
  }));
}
