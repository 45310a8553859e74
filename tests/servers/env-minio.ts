import { adoptServerEnv } from "./jest-servers";

adoptServerEnv("minio");
