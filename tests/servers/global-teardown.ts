import { teardownServer } from "./jest-servers";

export default () => teardownServer("moto");
