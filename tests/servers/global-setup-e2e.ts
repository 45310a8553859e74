import { setupServer } from "./jest-servers";
import { localAwsEnv, startMoto } from "./moto";

/**
 * A moto of its own for the end-to-end suite, with credentials distinctive enough that a search of
 * the exported state for them is meaningful (moto accepts any).
 */
export const E2E_ACCESS_KEY = "AKIAE2EPULUMITEST0001";
export const E2E_SECRET_KEY = "e2e-secret-access-key-must-never-reach-state";

export default () =>
  setupServer("e2e", async () => {
    const moto = await startMoto();
    return {
      env: {
        ...localAwsEnv(moto.endpoint),
        TEST_SERVER: "moto",
        AWS_ACCESS_KEY_ID: E2E_ACCESS_KEY,
        AWS_SECRET_ACCESS_KEY: E2E_SECRET_KEY,
      },
      stop: moto.stop,
    };
  });
