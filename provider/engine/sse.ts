/** Kept at this path for rules/, which imports it; the code lives in object/encryption.ts. */
export * from "./object/encryption";
