import * as fs from "node:fs";
import * as tls from "node:tls";

// NODE_EXTRA_CA_CERTS is read only when a process starts, and jest may run tests in its own
// process; so the self-signed test CA is added to the default CA set here, in each test file.
const caFile = process.env.TEST_CA_FILE;
if (caFile) {
  tls.setDefaultCACertificates([...tls.getCACertificates("default"), fs.readFileSync(caFile, "utf8")]);
}
