import type { StoreBackend } from "../../../src/store/types.ts";

/**
 * A backend that dies (throws) after `budget` successful record writes, as if the process was killed
 * there. The store's own marker writes (`__` namespaces) are let through.
 */
export function crashingAfter(backend: StoreBackend, budget: number): StoreBackend {
  return new Proxy(backend, {
    get(target, property) {
      if (property === "set") {
        return (...args: Parameters<StoreBackend["set"]>) => {
          if (!args[0].startsWith("__") && budget-- <= 0) return Promise.reject(new Error("simulated crash"));
          return target.set(...args);
        };
      }
      const value = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
