/** The Store's public surface: the contract, `openStore`, master key handling and rotation. */
export { describeStore, type StoreInfo } from "./info.ts";
export { entrakitHome, openStore, resolveStoreLocation } from "./open.ts";
export {
  type ConfiguredRotation,
  type RotationReport,
  rotateConfiguredMasterKey,
  rotateMasterKey,
} from "./rotate.ts";
export { encodeMasterKey, generateMasterKey, type MasterKey, parseMasterKey } from "./seal.ts";
export { EntrakitStore } from "./store.ts";
export type * from "./types.ts";
