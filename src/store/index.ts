/** The Store's public surface: the contract, `openStore`, and master key handling. */
export { entrakitHome, openStore, resolveStoreLocation } from "./open.ts";
export { rotateMasterKey } from "./rotate.ts";
export { generateMasterKey, type MasterKey, parseMasterKey } from "./seal.ts";
export { EntrakitStore } from "./store.ts";
export type * from "./types.ts";
