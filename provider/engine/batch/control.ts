// The S3 Control and STS clients a copy job needs, and CreateJob itself: client settings (timeouts,
// custom endpoints), the account id, and CreateJob's failures in words that say what to fix.

import {
  CreateJobCommand,
  type CreateJobCommandInput,
  S3ControlClient,
  type S3ControlClientConfig,
} from "@aws-sdk/client-s3-control";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";

import { awsErrorCode, httpStatus, ObjectCopyError, showValue, wrapAwsError } from "../errors";
import { timeouts } from "../timeouts";

export interface ControlConnection {
  region: string;
  /** A custom S3 Control endpoint (a simulator, a proxy); else AWS_ENDPOINT_URL_S3_CONTROL, AWS_ENDPOINT_URL. */
  endpoint?: string;
}

/** The endpoint a connection uses beyond AWS's own: the argument, then the SDK's variables. */
export function controlEndpoint(
  c: ControlConnection,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  return c.endpoint ?? env.AWS_ENDPOINT_URL_S3_CONTROL ?? env.AWS_ENDPOINT_URL;
}

/**
 * Control requests move no data: each gets the plain request timeout, and a connection silent that
 * long after its headers is dead. Without throwOnRequestTimeout the handler would only warn.
 */
function handlerOptions() {
  const t = timeouts();
  return {
    connectionTimeout: t.connectMs,
    requestTimeout: t.requestMs,
    throwOnRequestTimeout: true,
    socketTimeout: t.requestMs,
  };
}

/**
 * The client settings for a connection. With a custom endpoint every request goes to exactly that
 * URL: the SDK's endpoint rules put the account id in front of the host for every job operation
 * ("111122223333.127.0.0.1:4566"), which no loopback server or proxy can answer. The account id
 * still travels in the x-amz-account-id header, which is what S3 Control reads.
 */
export function controlClientConfig(
  c: ControlConnection,
  env: NodeJS.ProcessEnv = process.env,
): S3ControlClientConfig {
  const config: S3ControlClientConfig = { region: c.region, requestHandler: handlerOptions() };
  const endpoint = controlEndpoint(c, env);
  if (endpoint !== undefined) {
    let url: URL;
    try {
      url = new URL(endpoint);
    } catch {
      throw new ObjectCopyError(
        "BATCH_ENDPOINT_INVALID",
        `the S3 Control endpoint ${showValue(endpoint)} is not a URL; give one like "http://127.0.0.1:4566"`,
      );
    }
    config.endpointProvider = () => ({ url });
  }
  return config;
}

// Cached for the life of the provider process, like the S3 clients (clients.ts).
const controlClients = new Map<string, S3ControlClient>();
const stsClients = new Map<string, STSClient>();

export function controlClient(c: ControlConnection): S3ControlClient {
  const cacheKey = JSON.stringify([c.region, controlEndpoint(c)]);
  let client = controlClients.get(cacheKey);
  if (!client) {
    client = new S3ControlClient(controlClientConfig(c));
    controlClients.set(cacheKey, client);
  }
  return client;
}

/** Forgets cached clients (tests switch servers and environment between suites). */
export function resetControlClients(): void {
  controlClients.clear();
  stsClients.clear();
}

/** An SDK error as "<operation> on <target> failed with <code>: <message>", without wrapAwsError's code. */
function describe(operation: string, target: string, err: unknown): string {
  const wrapped = wrapAwsError(operation, target, err, "S3 Control");
  return wrapped.detail;
}

const isAbort = (err: unknown, signal?: AbortSignal) =>
  signal?.aborted === true || (err as { name?: string } | undefined)?.name === "AbortError";

const isDenied = (err: unknown) => {
  const code = awsErrorCode(err);
  return code === "AccessDenied" || code === "AccessDeniedException" || httpStatus(err) === 403;
};

/** The account the credentials belong to (STS GetCallerIdentity, which needs no permission). */
export async function accountIdFromSts(
  region: string,
  signal?: AbortSignal,
  endpoint?: string,
): Promise<string> {
  const cacheKey = JSON.stringify([region, endpoint]);
  let sts = stsClients.get(cacheKey);
  if (!sts) {
    sts = new STSClient({ region, endpoint, requestHandler: handlerOptions() });
    stsClients.set(cacheKey, sts);
  }
  let account: string | undefined;
  try {
    account = (await sts.send(new GetCallerIdentityCommand({}), { abortSignal: signal })).Account;
  } catch (err) {
    if (isAbort(err, signal))
      throw new ObjectCopyError("CANCELLED", "asking STS for the account id was cancelled");
    throw new ObjectCopyError(
      "BATCH_ACCOUNT_ID_FAILED",
      `${describe("GetCallerIdentity", `STS in ${region}`, err)}; a job needs the account id, so give ` +
        `batchOperations.accountId, or check the credentials and the STS endpoint (AWS_ENDPOINT_URL_STS)`,
    );
  }
  if (!account)
    throw new ObjectCopyError(
      "BATCH_ACCOUNT_ID_FAILED",
      "GetCallerIdentity answered without an account id; give batchOperations.accountId",
    );
  return account;
}

/** Sends CreateJob and returns the job's id. */
export async function createJob(
  client: S3ControlClient,
  input: CreateJobCommandInput,
  signal?: AbortSignal,
): Promise<string> {
  const target = `account ${input.AccountId}`;
  let jobId: string | undefined;
  try {
    jobId = (await client.send(new CreateJobCommand(input), { abortSignal: signal })).JobId;
  } catch (err) {
    if (isAbort(err, signal)) {
      throw new ObjectCopyError(
        "CANCELLED",
        `CreateJob in ${target} was cancelled; it may or may not have made the job. The next up sends the same ` +
          `ClientRequestToken, which AWS answers with that job if it was made`,
      );
    }
    const hint = isDenied(err)
      ? `; the caller needs s3:CreateJob, and iam:PassRole on ${showValue(input.RoleArn)} (README "Batch Operations", IAM)`
      : "";
    throw new ObjectCopyError("BATCH_CREATE_JOB_FAILED", `${describe("CreateJob", target, err)}${hint}`);
  }
  if (!jobId)
    throw new ObjectCopyError("BATCH_CREATE_JOB_FAILED", `CreateJob in ${target} answered without a JobId`);
  return jobId;
}
