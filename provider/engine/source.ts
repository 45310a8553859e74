/** Kept at this path for rules/, which imports it; the code lives in object/address.ts. */
export * from "./object/address";
