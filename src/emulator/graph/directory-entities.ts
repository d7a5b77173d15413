/**
 * The minimal directory objects Graph serves from the emulator's directory model (`/users`, `/me`,
 * `/organization`), so other tests can check who a token belongs to.
 */
import type { TenantRecord, UserRecord } from "../contracts.ts";
import type { EntityType } from "./entities.ts";

const STRING = { kind: "string" } as const;
const OBJECT = { kind: "object" } as const;

export const USER: EntityType = {
  typeName: "microsoft.graph.user",
  fields: {
    businessPhones: OBJECT,
    displayName: STRING,
    givenName: STRING,
    jobTitle: STRING,
    mail: STRING,
    mobilePhone: STRING,
    officeLocation: STRING,
    preferredLanguage: STRING,
    surname: STRING,
    userPrincipalName: STRING,
    id: STRING,
  },
  filterable: new Set(["id", "displayName", "givenName", "surname", "mail", "userPrincipalName", "jobTitle"]),
  orderable: ["displayName", "userPrincipalName"],
};

export function userResource(user: UserRecord): Record<string, unknown> & { id: string } {
  return {
    businessPhones: [],
    displayName: user.displayName,
    givenName: user.givenName ?? null,
    jobTitle: user.jobTitle ?? null,
    mail: user.mail ?? null,
    mobilePhone: null,
    officeLocation: null,
    preferredLanguage: null,
    surname: user.surname ?? null,
    userPrincipalName: user.userPrincipalName,
    id: user.id,
  };
}

/** Service plans Graph lists in `assignedPlans` for Entra ID P1 and P2. */
const PLANS = {
  p1: { service: "AADPremiumService", servicePlanId: "41781fb2-bc02-4b7c-bd55-b576c07bb09d" },
  p2: { service: "AADPremiumService", servicePlanId: "eec0eb4f-6444-4f95-aba0-50c24d67f998" },
};

export function organizationResource(tenant: TenantRecord, createdDateTime: string): Record<string, unknown> {
  const plans = [];
  if (tenant.licences.entraIdP1) plans.push(PLANS.p1);
  if (tenant.licences.entraIdP2) plans.push(PLANS.p2);
  return {
    id: tenant.id,
    deletedDateTime: null,
    businessPhones: [],
    city: null,
    country: null,
    countryLetterCode: "US",
    createdDateTime,
    displayName: tenant.displayName,
    tenantType: "AAD",
    assignedPlans: plans.map((plan) => ({
      assignedDateTime: createdDateTime,
      capabilityStatus: "Enabled",
      ...plan,
    })),
    verifiedDomains: [
      {
        capabilities: "Email, OfficeCommunicationsOnline",
        isDefault: true,
        isInitial: true,
        name: tenant.domain,
        type: "Managed",
      },
    ],
  };
}
