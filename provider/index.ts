export { ObjectCopy, type ObjectCopyArgs, type ObjectCopyOutputs } from "./resource";
export { objectCopyProvider } from "./dynamic";
export { ObjectCopyError } from "./engine/errors";
