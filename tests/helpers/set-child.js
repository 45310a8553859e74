// Runs one ObjectCopySet create with the engine in its own process, so a test can kill it mid-up.
// Usage: node set-child.js '<set inputs as JSON, as the resource class sends them>'
//
// As copy-child.js: the engine is compiled from its TypeScript source on load, so a test runs the
// code in the checkout, never a stale dist/. The scheduler's lines go to stdout.
const engine = require("./load-engine-source");

async function main() {
  const { inputs, failures } = await engine.checkSet(JSON.parse(process.argv[2]));
  if (failures.length) throw new Error(`check failed: ${JSON.stringify(failures)}`);
  await engine.createSet(inputs);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err.message);
    process.exit(3);
  },
);
