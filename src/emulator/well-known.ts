/**
 * The emulator's documented zero-configuration directory: one licensed tenant, one unlicensed tenant, a
 * development app with a clearly fake secret, and two users. These values are public on purpose; they only
 * work against the local emulator.
 */
export const DEV_TENANT = {
  id: "7c1e3a52-4b8d-4f6e-9a2c-5d0b1e8f3a76",
  domain: "contoso.onmicrosoft.com",
  displayName: "Contoso (entrakit emulator)",
} as const;

/** A second tenant with Entra ID P1 only: Identity Protection's riskyUsers answers "not licensed" there. */
export const DEV_TENANT_P1 = {
  id: "3e9b6d14-7a2f-4c85-b1d0-8f4e2a6c9b53",
  domain: "fabrikam.onmicrosoft.com",
  displayName: "Fabrikam (P1 only, entrakit emulator)",
} as const;

export const DEV_APP = {
  clientId: "5f2d8c41-9e7b-4a36-8d1f-2b6c0e9a7d58",
  displayName: "entrakit dev app",
  secret: "dev-secret-value-not-for-production",
  secretKeyId: "a4c1e7d2-5b3f-4e89-9c60-1d7b2f8e4a35",
} as const;

export const DEV_ADMIN = {
  id: "e2a7c9d4-1f3b-4d6e-8a5c-7b0d2e9f1c48",
  userPrincipalName: "admin@contoso.onmicrosoft.com",
  displayName: "Dev Admin",
  password: "dev-password-admin",
} as const;

export const DEV_USER = {
  id: "9b4f1e6a-3c8d-4a27-b5e0-6d2c8f1a4e93",
  userPrincipalName: "alice@contoso.onmicrosoft.com",
  displayName: "Alice Example",
  password: "dev-password-alice",
} as const;

export const GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000";
export const ARM_APP_ID = "797f4846-ba00-4fd7-ba43-dac1f8f63013";
/** WindowsDefenderATP, the Defender for Endpoint API (resource-apis.ts lists its identifier URIs). */
export const DEFENDER_ENDPOINT_APP_ID = "fc780465-2017-40d4-a0c5-307022471b92";

/** The simulated VM whose IMDS endpoint the emulator serves by default. */
export const DEV_VM = {
  name: "vm-dev",
  subscriptionId: "0b7c4f2e-8d3a-4e61-9a5b-2c1f7e9d3b84",
  resourceGroup: "rg-entrakit-dev",
} as const;

/** The system-assigned identity of `vm-dev`. */
export const DEV_SYSTEM_IDENTITY = {
  clientId: "b3e8d1f6-2a4c-4f97-8e5d-6c0a9b1f2e47",
  objectId: "4d9a2c7e-6b1f-4e38-a5d0-8f3c1e7b9a26",
} as const;

/** A user-assigned identity attached to `vm-dev`. */
export const DEV_USER_IDENTITY = {
  name: "id-entrakit-dev",
  clientId: "8a1f5c3d-7e2b-4d96-b0c4-3e9f6a2d8b51",
  objectId: "f6c2b9a4-1d7e-4a53-9e8b-5b0d3c7f1a69",
  resourceId:
    "/subscriptions/0b7c4f2e-8d3a-4e61-9a5b-2c1f7e9d3b84/resourcegroups/rg-entrakit-dev/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-entrakit-dev",
} as const;
