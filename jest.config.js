// Separate projects so the fast pure tests can run alone. The integration files run twice, once
// against moto (S3 + KMS + Glacier, many regions) and once against MinIO with TLS (real SSE-C,
// all copy preconditions, checksums); tests skip what their server lacks (tests/helpers/server.ts).
const common = {
  preset: "ts-jest",
  testEnvironment: "node",
  // The provider requires its engine by package name (that is what keeps the serialized provider
  // small); inside this repo that name maps to the TypeScript source.
  moduleNameMapper: {
    "^pulumi-s3-object-copy/engine$": "<rootDir>/provider/engine/index.ts",
    "^pulumi-s3-object-copy$": "<rootDir>/provider/index.ts",
  },
};
const integration = {
  ...common,
  testMatch: ["<rootDir>/tests/integration/**/*.test.ts"],
};

module.exports = {
  // A global option: jest ignores testTimeout inside a project entry.
  testTimeout: 120000,
  projects: [
    { ...common, displayName: "unit", testMatch: ["<rootDir>/tests/unit/**/*.test.ts"] },
    // Opt-in tests against real AWS; skipped unless their environment variables are set.
    { ...common, displayName: "live", testMatch: ["<rootDir>/tests/live/**/*.test.ts"] },
    {
      ...integration,
      displayName: "moto",
      setupFiles: ["<rootDir>/tests/servers/env-moto.ts"],
      globalSetup: "<rootDir>/tests/servers/global-setup.ts",
      globalTeardown: "<rootDir>/tests/servers/global-teardown.ts",
    },
    {
      ...common,
      displayName: "e2e",
      setupFiles: ["<rootDir>/tests/servers/env-e2e.ts"],
      testMatch: ["<rootDir>/tests/e2e/**/*.test.ts"],
      globalSetup: "<rootDir>/tests/servers/global-setup-e2e.ts",
      globalTeardown: "<rootDir>/tests/servers/global-teardown-e2e.ts",
    },
    {
      ...integration,
      displayName: "minio",
      setupFiles: ["<rootDir>/tests/servers/env-minio.ts"],
      globalSetup: "<rootDir>/tests/servers/global-setup-minio.ts",
      globalTeardown: "<rootDir>/tests/servers/global-teardown-minio.ts",
    },
  ],
};
