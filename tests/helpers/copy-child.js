// Runs copies with the engine in its own process, so a test can signal it mid-copy.
// Usage: node copy-child.js '<inputs as JSON>'   (an array of inputs runs them all at once)
//
// The engine is loaded from its TypeScript source, compiled on load, so a test always runs the
// code in the checkout, never a stale dist/.
const engine = require("./load-engine-source");

const parsed = JSON.parse(process.argv[2]);
const all = Array.isArray(parsed) ? parsed : [parsed];

Promise.allSettled(all.map((inputs) => engine.create(inputs))).then((results) => {
  const failures = results.filter((r) => r.status === "rejected").map((r) => r.reason);
  for (const e of failures) console.error(e.message);
  // A cancelled copy is the signal's doing: the engine's handler re-raises it once every abort
  // has settled, and that, not an exit code, is how this process must end.
  if (failures.length && failures.every((e) => /^COPY_CANCELLED/.test(e.message))) return;
  process.exit(failures.length ? 3 : 0);
});
