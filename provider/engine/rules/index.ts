// The rules check runs, as tables: primitives (one value), per-resource property tables, cross-
// property rules, and the runner. A resource is a ResourceRules: its name, its table, its cross
// rules and the names it passes through.
import { OBSERVED_OUTPUTS } from "../types";
import { OBJECT_COPY_CROSS_RULES } from "./cross";
import { OBJECT_COPY_PROPERTIES } from "./properties";
import {
  OBJECT_COPY_SET_CROSS_RULES,
  OBJECT_COPY_SET_PROPERTIES,
  SET_IDENTITY_INPUTS,
  SET_OBSERVED_OUTPUTS,
} from "./set-properties";
import type { ResourceRules } from "./types";

/** The serialized provider the dynamic-provider server puts into every request. */
export const PROVIDER_KEY = "__provider";

export const OBJECT_COPY_RULES: ResourceRules = {
  resource: "ObjectCopy",
  properties: OBJECT_COPY_PROPERTIES,
  cross: OBJECT_COPY_CROSS_RULES,
  passThrough: [PROVIDER_KEY],
  outputs: [...OBSERVED_OUTPUTS, "drift", "sourceCustomerKeyMd5"],
};

export const OBJECT_COPY_SET_RULES: ResourceRules = {
  resource: "ObjectCopySet",
  properties: OBJECT_COPY_SET_PROPERTIES,
  cross: OBJECT_COPY_SET_CROSS_RULES,
  passThrough: [PROVIDER_KEY, ...SET_IDENTITY_INPUTS],
  outputs: SET_OBSERVED_OUTPUTS,
};

export { runRules, withoutSecrets, type RunResult } from "./runner";
export { PER_OBJECT_PROPERTIES, OBJECT_COPY_PROPERTIES } from "./properties";
export { PER_OBJECT_CROSS_RULES, OBJECT_COPY_CROSS_RULES } from "./cross";
export { OBJECT_COPY_SET_PROPERTIES, NOT_SET_PROPERTIES, SET_IDENTITY_INPUTS } from "./set-properties";
export { isUnknown, isAbsent, isKnown } from "./primitives";
export { bucketNameProblem } from "./values";
export { SECRET_PROPERTIES, SECRET_FAILURE_PATH } from "./secrets";
export { nearestName } from "./unknown-properties";
export { show, typeName } from "./show";
export type * from "./types";
