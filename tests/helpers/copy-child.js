// Runs one copy with the built engine in its own process, so a test can signal it mid-copy.
// Usage: node copy-child.js '<inputs as JSON>'
const engine = require("../../dist/provider/engine");

engine
  .create(JSON.parse(process.argv[2]))
  .then(() => process.exit(0))
  .catch((e) => {
    console.error(e.message);
    process.exit(3);
  });
