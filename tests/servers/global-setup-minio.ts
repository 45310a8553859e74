import { setupServer } from "./jest-servers";
import { startMinio } from "./minio";

/**
 * The same integration files, run against MinIO with TLS: real SSE-C, real SSE-S3/KMS encryption,
 * all four copy preconditions and checksums. Tests read TEST_SERVER to skip what MinIO lacks.
 */
export default () =>
  setupServer("minio", async () => {
    const minio = await startMinio();
    return {
      env: {
        TEST_SERVER: "minio",
        AWS_ENDPOINT_URL: minio.endpoint,
        AWS_ACCESS_KEY_ID: minio.accessKeyId,
        AWS_SECRET_ACCESS_KEY: minio.secretAccessKey,
        AWS_REGION: minio.region,
        AWS_EC2_METADATA_DISABLED: "true",
        TEST_CA_FILE: minio.caFile,
        // Child processes (the provider server, the serializer) trust the certificate this way.
        NODE_EXTRA_CA_CERTS: minio.caFile,
        MINIO_KMS_KEY_NAME: minio.kmsKeyName,
      },
      stop: minio.stop,
    };
  });
