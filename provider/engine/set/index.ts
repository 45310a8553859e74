/**
 * ObjectCopySet's engine: the lifecycle the dynamic provider calls, over the set's parts (listing,
 * selection, manifest, plan, scheduler, deletes, drift), which share one copy unit with ObjectCopy.
 */
export {
  checkSet,
  diffSet,
  createSet,
  updateSet,
  readSet,
  deleteSet,
  planSummary,
  objectSettings,
  setId,
  type SetInputs,
  type SetOutputs,
  type SetRunCounts,
  type SetDrift,
  type SetDiffAnswer,
} from "./lifecycle";
