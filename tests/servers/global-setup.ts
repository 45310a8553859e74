import { setupServer } from "./jest-servers";
import { localAwsEnv, startMoto } from "./moto";

export default () =>
  setupServer("moto", async () => {
    const moto = await startMoto();
    return {
      env: { ...localAwsEnv(moto.endpoint), MOTO_ENDPOINT: moto.endpoint, TEST_SERVER: "moto" },
      stop: moto.stop,
    };
  });
