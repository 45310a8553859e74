export default async function globalTeardown(): Promise<void> {
  await (globalThis as { __minio?: { stop(): Promise<void> } }).__minio?.stop();
}
