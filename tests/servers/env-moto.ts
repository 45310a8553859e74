import { adoptServerEnv } from "./jest-servers";

adoptServerEnv("moto");
