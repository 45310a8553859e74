/** Kept at this path for rules/, which imports it; the code lives in object/metadata.ts. */
export * from "./object/metadata";
