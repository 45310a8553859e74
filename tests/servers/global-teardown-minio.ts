import { teardownServer } from "./jest-servers";

export default () => teardownServer("minio");
