import { adoptServerEnv } from "./jest-servers";

adoptServerEnv("e2e");
