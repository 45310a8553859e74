export { ObjectCopy, type ObjectCopyArgs, type ObjectCopyOutputs } from "./resource";
export { objectCopyProvider } from "./dynamic";
export { ObjectCopyError } from "./engine/errors";
export {
  ObjectCopySet,
  type ObjectCopySetArgs,
  type ObjectCopySetOutputs,
  type BatchOperationsArgs,
} from "./set-resource";
export { objectCopySetProvider } from "./set-dynamic";
// Types the resources' inputs and outputs refer to, so that programs can name them.
export type { CopyOutputs, DeleteBehavior, RestoreRequest } from "./engine/types";
export type {
  BatchJobState,
  BatchOperationsInput,
  SetDrift,
  SetOutputs,
  SetRunCounts,
} from "./engine/set/state";
