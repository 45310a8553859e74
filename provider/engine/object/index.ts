/**
 * One object's copy, shared by ObjectCopy and ObjectCopySet. The copy itself is in copy.ts; the
 * rest are its steps: context (settings resolved once), source (head, pin, restore, tags), single
 * (one CopyObject), multipart, metadata, encryption, destination (request fields), live (the
 * destination as it is now), parts (the part planner), orphans and stray-versions (what a killed
 * or retried attempt left), resource (ObjectCopy's use), set-copier (a set's use).
 */
export { setCopier } from "./set-copier";
export { copyObject, type CopyRequest, type CopyResult } from "./copy";
export { resolveSettings, startResolve, copyContext, type Resolved, type CopyContext } from "./context";
export { performCopy, stripSecrets, deleteBehavior } from "./resource";
export { objectUri } from "./destination";
