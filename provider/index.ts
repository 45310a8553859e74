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
