// Two projects so the fast pure tests can run alone; integration tests share one moto server.
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

module.exports = {
  projects: [
    { ...common, displayName: "unit", testMatch: ["<rootDir>/tests/unit/**/*.test.ts"] },
    {
      ...common,
      displayName: "integration",
      testMatch: ["<rootDir>/tests/integration/**/*.test.ts"],
      globalSetup: "<rootDir>/tests/servers/global-setup.ts",
      globalTeardown: "<rootDir>/tests/servers/global-teardown.ts",
      testTimeout: 120000,
    },
  ],
};
