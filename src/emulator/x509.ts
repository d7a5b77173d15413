/**
 * Loads @peculiar/x509 for certificate generation. Its dependency tsyringe refuses to load without a
 * Reflect metadata polyfill; it only needs the four functions below, so a WeakMap-backed shim is
 * installed (when none exists) instead of adding a dependency. Loaded lazily: only TLS and tests
 * that mint certificates pay for it.
 */
import { webcrypto } from "node:crypto";

type X509Module = typeof import("@peculiar/x509");
let loaded: Promise<X509Module> | undefined;

export function loadX509(): Promise<X509Module> {
  loaded ??= (async () => {
    installReflectMetadataShim();
    const x509 = await import("@peculiar/x509");
    x509.cryptoProvider.set(webcrypto as unknown as Crypto);
    return x509;
  })();
  return loaded;
}

function installReflectMetadataShim(): void {
  const reflect = Reflect as unknown as Record<string, unknown>;
  if (typeof reflect.getMetadata === "function") return;
  const store = new WeakMap<object, Map<string | symbol | undefined, Map<unknown, unknown>>>();
  const table = (target: object, property: string | symbol | undefined, create: boolean) => {
    let byProperty = store.get(target);
    if (!byProperty && create) {
      byProperty = new Map();
      store.set(target, byProperty);
    }
    let entries = byProperty?.get(property);
    if (!entries && create && byProperty) {
      entries = new Map();
      byProperty.set(property, entries);
    }
    return entries;
  };
  const getOwn = (key: unknown, target: object, property?: string | symbol) =>
    table(target, property, false)?.get(key);
  Object.assign(reflect, {
    defineMetadata(key: unknown, value: unknown, target: object, property?: string | symbol) {
      table(target, property, true)!.set(key, value);
    },
    getOwnMetadata: getOwn,
    getMetadata(key: unknown, target: object, property?: string | symbol): unknown {
      for (let t: object | null = target; t; t = Object.getPrototypeOf(t)) {
        const value = getOwn(key, t, property);
        if (value !== undefined) return value;
      }
      return undefined;
    },
    hasMetadata(key: unknown, target: object, property?: string | symbol): boolean {
      return (
        (reflect.getMetadata as (k: unknown, t: object, p?: string | symbol) => unknown)(
          key,
          target,
          property,
        ) !== undefined
      );
    },
    metadata(key: unknown, value: unknown) {
      return (target: object, property?: string | symbol) => table(target, property, true)!.set(key, value);
    },
  });
}
