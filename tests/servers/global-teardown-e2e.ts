import { teardownServer } from "./jest-servers";

export default () => teardownServer("e2e");
