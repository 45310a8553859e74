// Prints the text Pulumi stores as `__provider`, serialized from the built package exactly as the
// engine does it. Run with plain Node (not under jest, whose module wrapper changes closures).
const pulumi = require("@pulumi/pulumi");
const { objectCopyProvider } = require("../../dist/provider");

pulumi.runtime
  .serializeFunction(() => objectCopyProvider, { allowSecrets: true })
  .then((s) => process.stdout.write(s.text))
  .catch((e) => {
    console.error(e);
    process.exit(1);
  });
