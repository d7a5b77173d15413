/**
 * Which managed identities a simulated host can use. A system-assigned identity belongs to the VM named
 * in its record; a user-assigned identity is attached to the VM its record names, or to every simulated
 * VM when it names none. Pure functions over the directory's records.
 */
import type { ManagedIdentityRecord } from "../contracts.ts";
import { DEV_VM } from "../well-known.ts";
import type { SelectorKind } from "./sources.ts";

/** The VM used when the directory names none: requests without a selector then find no identity. */
export const FALLBACK_VM: string = DEV_VM.name;

/** Every VM the directory names, in directory order. */
export function knownVms(
  identities: readonly ManagedIdentityRecord[],
  extra: readonly string[] = [],
): string[] {
  const names = new Set<string>();
  for (const identity of identities) {
    if (identity.vm) names.add(identity.vm);
  }
  for (const name of extra) names.add(name);
  return [...names];
}

/** The default current VM: the configured one, else the first VM that has a system-assigned identity. */
export function defaultVm(
  identities: readonly ManagedIdentityRecord[],
  configured: string | undefined,
): string {
  return configured ?? knownVms(identities)[0] ?? FALLBACK_VM;
}

export interface Selector {
  kind: SelectorKind;
  value: string;
}

/**
 * The identity a request on `vm` gets: the one its selector names among the identities attached to the
 * VM, or the VM's system-assigned identity when there is no selector.
 */
export function resolveIdentity(
  identities: readonly ManagedIdentityRecord[],
  vm: string,
  selector: Selector | undefined,
): ManagedIdentityRecord | undefined {
  const attached = identities.filter((identity) =>
    identity.vm === undefined ? identity.kind === "user" : identity.vm === vm,
  );
  if (!selector) return attached.find((identity) => identity.kind === "system");
  const wanted = selector.value.toLowerCase();
  return attached.find((identity) => {
    const field =
      selector.kind === "client_id"
        ? identity.clientId
        : selector.kind === "object_id"
          ? identity.objectId
          : identity.resourceId;
    return field !== undefined && field.toLowerCase() === wanted;
  });
}
