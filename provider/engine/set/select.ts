/**
 * Which keys under the source prefix a set copies: glob patterns on the key relative to the prefix
 * (include any, then exclude none), or an explicit list of relative keys.
 */
import { Minimatch, type MinimatchOptions } from "minimatch";

export interface Selection {
  include?: string[];
  exclude?: string[];
  /** Exact relative keys; when given, patterns do not apply (check rejects both together). */
  keys?: string[];
}

/**
 * `*` stays within one `/` segment, `**` crosses them, dot files match. Patterns are taken as
 * written: a leading `#` is not a comment and a leading `!` is not a negation (exclude says that),
 * `//` is not collapsed, and `/` is the only separator whatever the platform.
 */
const OPTIONS: MinimatchOptions = {
  dot: true,
  nocomment: true,
  nonegate: true,
  optimizationLevel: 0,
  platform: "linux",
};

/*
 * Globs never let `*` or `**` match a `.` or `..` path segment, even with `dot`, but on S3 those
 * are ordinary key characters: `../secret.map` is a key like any other, and `**\/*.map` must
 * exclude it. So both the key and each pattern have such segments spelled with private-use
 * characters of the same length, which wildcards match and a literal `.` segment in a pattern
 * still matches exactly. (A key that itself holds U+F8F0 as a whole segment would be matched by a
 * literal `.` segment too; such keys are not met in practice.)
 */
const DOT = "\uF8F0";
const dotSegments = (path: string) =>
  path.includes(".")
    ? path
        .split("/")
        .map((seg) => (seg === "." || seg === ".." ? DOT.repeat(seg.length) : seg))
        .join("/")
    : path;

interface Compiled {
  keys?: Set<string>;
  include: Minimatch[];
  exclude: Minimatch[];
}

// A plan asks about every listed key; compile each selection's patterns once.
const compiled = new WeakMap<Selection, Compiled>();

function compile(sel: Selection): Compiled {
  let c = compiled.get(sel);
  if (!c) {
    c = {
      keys: sel.keys ? new Set(sel.keys) : undefined,
      include: (sel.include ?? []).map((p) => new Minimatch(dotSegments(p), OPTIONS)),
      exclude: (sel.exclude ?? []).map((p) => new Minimatch(dotSegments(p), OPTIONS)),
    };
    compiled.set(sel, c);
  }
  return c;
}

/** Whether the set copies the object at this key relative to the source prefix. */
export function selects(sel: Selection, relativeKey: string): boolean {
  const c = compile(sel);
  if (c.keys) return c.keys.has(relativeKey);
  const key = dotSegments(relativeKey);
  const included = c.include.length === 0 || c.include.some((m) => m.match(key));
  return included && !c.exclude.some((m) => m.match(key));
}

/** A pattern minimatch cannot compile into anything that matches, for check to report. */
export function invalidPattern(pattern: string): string | undefined {
  try {
    const m = new Minimatch(dotSegments(pattern), OPTIONS);
    return m.makeRe() === false ? `pattern ${JSON.stringify(pattern)} is not a valid glob` : undefined;
  } catch (err) {
    return `pattern ${JSON.stringify(pattern)} is not a valid glob: ${(err as Error).message}`;
  }
}
