// The S3 Control requests of a copy job exactly as the real @aws-sdk/client-s3-control serializes
// them: a stub request handler captures each HttpRequest and answers it. No emulator runs Batch
// Operations jobs, so these pin what AWS would receive: method, path, the account-id host prefix,
// the XML body field by field, retries with one ClientRequestToken, and custom endpoints.
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";

import { S3ControlClient } from "@aws-sdk/client-s3-control";
import { parseXML } from "@aws-sdk/xml-builder";
import { HttpResponse } from "@smithy/core/protocols";

import {
  accountIdFromSts,
  controlClient,
  controlClientConfig,
  createJob,
  createJobInput,
  describeJob,
  type JobSpec,
  resetControlClients,
} from "../../provider/engine/batch";
import { ObjectCopyError } from "../../provider/engine/errors";

interface Sent {
  method: string;
  protocol: string;
  hostname: string;
  port?: number;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

interface Answer {
  status: number;
  body: string;
}

/** A request handler that records every request and answers from a script, last answer repeating. */
function stubHandler(answers: Answer[]) {
  const sent: Sent[] = [];
  const handler = {
    async handle(request: Sent & { query?: unknown }) {
      // A snapshot: the SDK reuses and changes the request object between attempts.
      sent.push({
        method: request.method,
        protocol: request.protocol,
        hostname: request.hostname,
        port: request.port,
        path: request.path,
        headers: { ...request.headers },
        body: typeof request.body === "string" ? request.body : undefined,
      });
      const a = answers[Math.min(sent.length - 1, answers.length - 1)];
      return {
        response: new HttpResponse({
          statusCode: a.status,
          headers: { "content-type": "application/xml" },
          body: Readable.from([a.body]),
        }),
      };
    },
  };
  return { handler, sent };
}

const CREDENTIALS = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret-example" };
const ACCOUNT = "111122223333";
const CREATED = (id: string): Answer => ({
  status: 200,
  body: `<?xml version="1.0" encoding="UTF-8"?><CreateJobResult><JobId>${id}</JobId></CreateJobResult>`,
});
const awsError = (status: number, code: string, message: string): Answer => ({
  status,
  body: `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message><RequestId>R1</RequestId></Error>`,
});

/** The real client, configured as controlClient configures it, over the stub handler. */
function stubClient(answers: Answer[], endpoint?: string, env: NodeJS.ProcessEnv = {}) {
  const { handler, sent } = stubHandler(answers);
  const client = new S3ControlClient({
    ...controlClientConfig({ region: "us-west-2", endpoint }, env),
    credentials: CREDENTIALS,
    requestHandler: handler,
  });
  return { client, sent };
}

const SPEC: JobSpec = {
  accountId: ACCOUNT,
  roleArn: `arn:aws:iam::${ACCOUNT}:role/batch-copy`,
  priority: 10,
  description: "pulumi-s3-object-copy web/prod/site",
  destBucket: "dst-bucket",
  targetKeyPrefix: "",
  manifest: {
    bucket: "job-files",
    key: "jobs/m1.csv",
    etag: '"9b2cf535f27731c974343645a3985328"',
    withVersionIds: false,
  },
  report: { bucket: "job-reports", prefix: "" },
  settings: {},
  clientRequestToken: "a".repeat(64),
};

const XMLNS = "http://awss3control.amazonaws.com/doc/2018-08-20/";
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const bodyOf = (s: Sent): any => parseXML(s.body ?? "").CreateJobRequest;

/** The parts of the parsed body every job has, as parseXML renders them. */
const common = (overrides: Record<string, unknown> = {}) => ({
  xmlns: XMLNS,
  ConfirmationRequired: "false",
  Manifest: {
    Spec: { Format: "S3BatchOperations_CSV_20180820", Fields: { member: ["Bucket", "Key"] } },
    Location: { ObjectArn: "arn:aws:s3:::job-files/jobs/m1.csv", ETag: "9b2cf535f27731c974343645a3985328" },
  },
  Report: {
    Bucket: "arn:aws:s3:::job-reports",
    Format: "Report_CSV_20180820",
    Enabled: "true",
    ReportScope: "AllTasks",
  },
  Priority: "10",
  RoleArn: `arn:aws:iam::${ACCOUNT}:role/batch-copy`,
  ClientRequestToken: "a".repeat(64),
  Description: "pulumi-s3-object-copy web/prod/site",
  ...overrides,
});

afterEach(() => resetControlClients());

describe("CreateJob as serialized by the real S3 Control client", () => {
  it("is a POST to /v20180820/jobs on the account's own host, with the account id header and the job id answered", async () => {
    const { client, sent } = stubClient([CREATED("job-1")]);
    await expect(createJob(client, createJobInput(SPEC))).resolves.toBe("job-1");
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      method: "POST",
      protocol: "https:",
      hostname: `${ACCOUNT}.s3-control.us-west-2.amazonaws.com`,
      path: "/v20180820/jobs",
    });
    expect(sent[0].headers["x-amz-account-id"]).toBe(ACCOUNT);
    expect(sent[0].headers.authorization).toContain("/us-west-2/s3/aws4_request");
  });

  it("sends the plain settings as the operation's bucket only, with no prefix, no metadata and no tags", async () => {
    const { client, sent } = stubClient([CREATED("job-1")]);
    await createJob(client, createJobInput(SPEC));
    // The account id travels in the header and the host, never in the body.
    expect(bodyOf(sent[0])).toEqual(
      common({ Operation: { S3PutObjectCopy: { TargetResource: "arn:aws:s3:::dst-bucket" } } }),
    );
  });

  it.each<[string, Partial<JobSpec>, Record<string, unknown>]>([
    [
      "REPLACE with metadata and content headers, a target prefix and a report prefix",
      {
        targetKeyPrefix: "2026/",
        report: { bucket: "job-reports", prefix: "batch/reports" },
        settings: {
          metadataDirective: "REPLACE",
          metadata: { team: "web", "build-id": "42" },
          cacheControl: "max-age=300",
          contentDisposition: 'attachment; filename="a b.txt"',
          contentEncoding: "gzip",
          contentLanguage: "de-DE",
          contentType: "text/plain; charset=utf-8",
          expires: "2030-06-01T12:00:00.000Z",
        },
      },
      {
        Operation: {
          S3PutObjectCopy: {
            TargetResource: "arn:aws:s3:::dst-bucket",
            TargetKeyPrefix: "2026/",
            MetadataDirective: "REPLACE",
            NewObjectMetadata: {
              CacheControl: "max-age=300",
              ContentDisposition: 'attachment; filename="a b.txt"',
              ContentEncoding: "gzip",
              ContentLanguage: "de-DE",
              UserMetadata: {
                entry: [
                  { key: "team", value: "web" },
                  { key: "build-id", value: "42" },
                ],
              },
              ContentType: "text/plain; charset=utf-8",
              HttpExpiresDate: "2030-06-01T12:00:00Z",
            },
          },
        },
        Report: {
          Bucket: "arn:aws:s3:::job-reports",
          Prefix: "batch/reports",
          Format: "Report_CSV_20180820",
          Enabled: "true",
          ReportScope: "AllTasks",
        },
      },
    ],
    [
      "COPY with tags replaced, a storage class, SSE-KMS with a bucket key, an ACL, a checksum and requester pays",
      {
        settings: {
          metadataDirective: "COPY",
          taggingDirective: "REPLACE",
          tags: { stage: "prod", owner: "team a" },
          storageClass: "INTELLIGENT_TIERING",
          serverSideEncryption: "aws:kms",
          kmsKeyArn: `arn:aws:kms:us-west-2:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`,
          bucketKeyEnabled: true,
          acl: "bucket-owner-full-control",
          checksumAlgorithm: "CRC32C",
          requesterPays: true,
        },
      },
      {
        Operation: {
          S3PutObjectCopy: {
            TargetResource: "arn:aws:s3:::dst-bucket",
            CannedAccessControlList: "bucket-owner-full-control",
            MetadataDirective: "COPY",
            NewObjectMetadata: { SSEAlgorithm: "KMS" },
            NewObjectTagging: {
              member: [
                { Key: "owner", Value: "team a" },
                { Key: "stage", Value: "prod" },
              ],
            },
            RequesterPays: "true",
            StorageClass: "INTELLIGENT_TIERING",
            SSEAwsKmsKeyId: `arn:aws:kms:us-west-2:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`,
            BucketKeyEnabled: "true",
            ChecksumAlgorithm: "CRC32C",
          },
        },
      },
    ],
    [
      "SSE-S3 with every tag removed, a versioned manifest, object lock and the highest priority",
      {
        priority: 2147483647,
        manifest: { ...SPEC.manifest, withVersionIds: true },
        settings: {
          taggingDirective: "REPLACE",
          serverSideEncryption: "AES256",
          objectLockMode: "COMPLIANCE",
          objectLockRetainUntilDate: "2031-01-01T00:00:00.000Z",
          objectLockLegalHoldStatus: "OFF",
        },
      },
      {
        Operation: {
          S3PutObjectCopy: {
            TargetResource: "arn:aws:s3:::dst-bucket",
            NewObjectMetadata: { SSEAlgorithm: "AES256" },
            // An empty element: the copies get no tags rather than the source's.
            NewObjectTagging: "",
            ObjectLockLegalHoldStatus: "OFF",
            ObjectLockMode: "COMPLIANCE",
            ObjectLockRetainUntilDate: "2031-01-01T00:00:00Z",
          },
        },
        Manifest: {
          Spec: {
            Format: "S3BatchOperations_CSV_20180820",
            Fields: { member: ["Bucket", "Key", "VersionId"] },
          },
          Location: {
            ObjectArn: "arn:aws:s3:::job-files/jobs/m1.csv",
            ETag: "9b2cf535f27731c974343645a3985328",
          },
        },
        Priority: "2147483647",
      },
    ],
  ])("serializes %s field by field", async (_name, change, expected) => {
    const { client, sent } = stubClient([CREATED("job-1")]);
    await createJob(client, createJobInput({ ...SPEC, ...change }));
    expect(bodyOf(sent[0])).toEqual(common(expected));
  });

  it("has no empty <NewObjectTagging/> when tags are copied, so the copies keep the source's tags", async () => {
    const { client, sent } = stubClient([CREATED("job-1")]);
    await createJob(client, createJobInput({ ...SPEC, settings: { taggingDirective: "COPY" } }));
    expect(sent[0].body).not.toContain("NewObjectTagging");
    expect(sent[0].body).not.toContain("NewObjectMetadata");
  });
});

describe("CreateJob retries", () => {
  it.each([
    ["503 SlowDown", awsError(503, "SlowDown", "Please reduce your request rate.")],
    ["400 TooManyRequestsException", awsError(400, "TooManyRequestsException", "Rate exceeded")],
  ])(
    "answers %s then 200 with two requests carrying the same ClientRequestToken and one job id",
    async (_name, first) => {
      const { client, sent } = stubClient([first, CREATED("job-7")]);
      await expect(createJob(client, createJobInput(SPEC))).resolves.toBe("job-7");
      expect(sent).toHaveLength(2);
      const tokens = sent.map((s) => bodyOf(s).ClientRequestToken);
      expect(tokens).toEqual(["a".repeat(64), "a".repeat(64)]);
      // The whole request is the same: a retry can only ever name the one job.
      expect(sent[1].body).toBe(sent[0].body);
      expect(sent.map((s) => s.headers["amz-sdk-request"])).toEqual(["attempt=1; max=3", "attempt=2; max=3"]);
    },
  );

  it("gives up after the SDK's attempts with BATCH_CREATE_JOB_FAILED saying S3 Control is throttling", async () => {
    const { client, sent } = stubClient([awsError(503, "SlowDown", "Please reduce your request rate.")]);
    const err = await createJob(client, createJobInput(SPEC)).catch((e: unknown) => e);
    expect(sent).toHaveLength(3);
    expect(err).toBeInstanceOf(ObjectCopyError);
    expect((err as ObjectCopyError).code).toBe("BATCH_CREATE_JOB_FAILED");
    expect((err as ObjectCopyError).message).toContain(
      `CreateJob on account ${ACCOUNT} failed: S3 Control is throttling or unavailable (HTTP 503 SlowDown, tried 3 times)`,
    );
  });

  it("does not retry AccessDenied, and names the permissions CreateJob needs", async () => {
    const { client, sent } = stubClient([awsError(403, "AccessDenied", "Access Denied")]);
    const err = (await createJob(client, createJobInput(SPEC)).catch((e: unknown) => e)) as ObjectCopyError;
    expect(sent).toHaveLength(1);
    expect(err.code).toBe("BATCH_CREATE_JOB_FAILED");
    expect(err.message).toContain("failed with AccessDenied (HTTP 403): Access Denied");
    expect(err.message).toContain(
      `the caller needs s3:CreateJob, and iam:PassRole on "arn:aws:iam::${ACCOUNT}:role/batch-copy"`,
    );
  });

  it("passes AWS's own reason for a refused job through, without a permissions hint", async () => {
    const { client } = stubClient([awsError(400, "InvalidRequest", "Manifest ETag does not match")]);
    const err = (await createJob(client, createJobInput(SPEC)).catch((e: unknown) => e)) as ObjectCopyError;
    expect(err.message).toBe(
      `BATCH_CREATE_JOB_FAILED: CreateJob on account ${ACCOUNT} failed with InvalidRequest (HTTP 400): Manifest ETag does not match`,
    );
  });
});

describe("DescribeJob as serialized by the real S3 Control client", () => {
  const DESCRIBED = {
    status: 200,
    body:
      `<?xml version="1.0" encoding="UTF-8"?><DescribeJobResult><Job><JobId>job-9</JobId><Status>Failed</Status>` +
      `<ProgressSummary><TotalNumberOfTasks>10</TotalNumberOfTasks><NumberOfTasksSucceeded>7</NumberOfTasksSucceeded>` +
      `<NumberOfTasksFailed>3</NumberOfTasksFailed><Timers><ElapsedTimeInActiveSeconds>42</ElapsedTimeInActiveSeconds></Timers>` +
      `</ProgressSummary><FailureReasons><member><FailureCode>AccessDenied</FailureCode>` +
      `<FailureReason>Reading the manifest is forbidden</FailureReason></member></FailureReasons>` +
      `<StatusUpdateReason>Job failed</StatusUpdateReason><TerminationDate>2026-03-04T05:06:07Z</TerminationDate>` +
      `</Job></DescribeJobResult>`,
  };

  it("is a GET of /v20180820/jobs/<id> on the account's host, without a body, read into a JobState", async () => {
    const { client, sent } = stubClient([DESCRIBED]);
    await expect(describeJob(client, ACCOUNT, "job-9")).resolves.toEqual({
      jobId: "job-9",
      status: "Failed",
      totalTasks: 10,
      succeeded: 7,
      failed: 3,
      failureReasons: ["AccessDenied: Reading the manifest is forbidden"],
      statusUpdateReason: "Job failed",
      terminationDate: "2026-03-04T05:06:07.000Z",
      activeSeconds: 42,
    });
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      method: "GET",
      hostname: `${ACCOUNT}.s3-control.us-west-2.amazonaws.com`,
      path: "/v20180820/jobs/job-9",
    });
    expect(sent[0].headers["x-amz-account-id"]).toBe(ACCOUNT);
    expect(sent[0].body ?? "").toBe("");
  });

  it("reads NoSuchJob as no job, once, without retrying", async () => {
    const { client, sent } = stubClient([awsError(404, "NoSuchJob", "The specified job does not exist")]);
    await expect(describeJob(client, ACCOUNT, "job-gone")).resolves.toBeUndefined();
    expect(sent).toHaveLength(1);
  });

  it("turns other refusals into BATCH_DESCRIBE_JOB_FAILED naming s3:DescribeJob", async () => {
    const { client } = stubClient([awsError(403, "AccessDenied", "Access Denied")]);
    const err = (await describeJob(client, ACCOUNT, "job-9").catch((e: unknown) => e)) as ObjectCopyError;
    expect(err.code).toBe("BATCH_DESCRIBE_JOB_FAILED");
    expect(err.message).toContain("DescribeJob on batch job job-9 failed with AccessDenied (HTTP 403)");
    expect(err.message).toContain("the caller needs s3:DescribeJob");
  });
});

describe("custom S3 Control endpoints", () => {
  it("sends CreateJob and DescribeJob to exactly the endpoint's host and port, with no account-id prefix", async () => {
    const { client, sent } = stubClient(
      [
        CREATED("job-1"),
        {
          status: 200,
          body: "<DescribeJobResult><Job><JobId>job-1</JobId><Status>New</Status></Job></DescribeJobResult>",
        },
      ],
      "http://127.0.0.1:4567",
    );
    await createJob(client, createJobInput(SPEC));
    await describeJob(client, ACCOUNT, "job-1");
    expect(sent.map(({ protocol, hostname, port, path }) => ({ protocol, hostname, port, path }))).toEqual([
      { protocol: "http:", hostname: "127.0.0.1", port: 4567, path: "/v20180820/jobs" },
      { protocol: "http:", hostname: "127.0.0.1", port: 4567, path: "/v20180820/jobs/job-1" },
    ]);
    // The account id still reaches the server, and the request is still signed for S3 in the region.
    expect(sent.map((s) => s.headers["x-amz-account-id"])).toEqual([ACCOUNT, ACCOUNT]);
    expect(sent[0].headers.authorization).toContain("/us-west-2/s3/aws4_request");
  });

  it("takes the endpoint from AWS_ENDPOINT_URL_S3_CONTROL, then AWS_ENDPOINT_URL, and prefers the argument", async () => {
    const hostOf = async (endpoint: string | undefined, env: NodeJS.ProcessEnv) => {
      const { client, sent } = stubClient([CREATED("job-1")], endpoint, env);
      await createJob(client, createJobInput(SPEC));
      return `${sent[0].hostname}:${sent[0].port}`;
    };
    expect(await hostOf(undefined, { AWS_ENDPOINT_URL_S3_CONTROL: "http://127.0.0.1:7001" })).toBe(
      "127.0.0.1:7001",
    );
    expect(await hostOf(undefined, { AWS_ENDPOINT_URL: "http://127.0.0.1:7002" })).toBe("127.0.0.1:7002");
    expect(
      await hostOf(undefined, {
        AWS_ENDPOINT_URL_S3_CONTROL: "http://127.0.0.1:7001",
        AWS_ENDPOINT_URL: "http://127.0.0.1:7002",
      }),
    ).toBe("127.0.0.1:7001");
    expect(
      await hostOf("http://127.0.0.1:7003", { AWS_ENDPOINT_URL_S3_CONTROL: "http://127.0.0.1:7001" }),
    ).toBe("127.0.0.1:7003");
  });

  it("refuses an endpoint that is not a URL with BATCH_ENDPOINT_INVALID", () => {
    expect(() => controlClientConfig({ region: "us-west-2", endpoint: "127.0.0.1:4567" }, {})).toThrow(
      'BATCH_ENDPOINT_INVALID: the S3 Control endpoint "127.0.0.1:4567" is not a URL',
    );
  });
});

describe("controlClient and accountIdFromSts over a real loopback server", () => {
  let server: Server;
  let base: string;
  const requests: { method?: string; url?: string; host?: string; account?: string; body: string }[] = [];
  let answer: (req: IncomingMessage) => Answer;
  const saved = { ...process.env };

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        requests.push({
          method: req.method,
          url: req.url,
          host: req.headers.host,
          account: req.headers["x-amz-account-id"] as string | undefined,
          body: Buffer.concat(chunks).toString("utf8"),
        });
        const a = answer(req);
        res.writeHead(a.status, { "content-type": "text/xml" }).end(a.body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  beforeEach(() => {
    requests.length = 0;
    process.env.AWS_ACCESS_KEY_ID = CREDENTIALS.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = CREDENTIALS.secretAccessKey;
    delete process.env.AWS_SESSION_TOKEN;
    delete process.env.AWS_PROFILE;
  });

  afterEach(() => {
    for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
    Object.assign(process.env, saved);
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("reaches exactly host:port of the endpoint for CreateJob, and caches one client per region and endpoint", async () => {
    answer = () => CREATED("job-42");
    const client = controlClient({ region: "eu-central-1", endpoint: base });
    expect(controlClient({ region: "eu-central-1", endpoint: base })).toBe(client);
    expect(controlClient({ region: "eu-west-1", endpoint: base })).not.toBe(client);

    await expect(createJob(client, createJobInput(SPEC))).resolves.toBe("job-42");
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({
      method: "POST",
      url: "/v20180820/jobs",
      host: base.slice("http://".length),
      account: ACCOUNT,
    });
    expect(requests[0].body).toContain(`<ClientRequestToken>${"a".repeat(64)}</ClientRequestToken>`);
  });

  it("takes AWS_ENDPOINT_URL_S3_CONTROL from the environment when no endpoint is given", async () => {
    answer = () => ({
      status: 200,
      body: "<DescribeJobResult><Job><JobId>j</JobId><Status>Active</Status></Job></DescribeJobResult>",
    });
    process.env.AWS_ENDPOINT_URL_S3_CONTROL = base;
    const state = await describeJob(controlClient({ region: "eu-central-1" }), ACCOUNT, "j");
    expect(state?.status).toBe("Active");
    expect(requests.map((r) => `${r.method} ${r.host}${r.url}`)).toEqual([
      `GET ${base.slice("http://".length)}/v20180820/jobs/j`,
    ]);
  });

  it("asks STS GetCallerIdentity for the account id", async () => {
    answer = () => ({
      status: 200,
      body:
        `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>` +
        `<Arn>arn:aws:iam::444455556666:user/deployer</Arn><UserId>AIDAEXAMPLE</UserId><Account>444455556666</Account>` +
        `</GetCallerIdentityResult><ResponseMetadata><RequestId>r1</RequestId></ResponseMetadata></GetCallerIdentityResponse>`,
    });
    await expect(accountIdFromSts("us-west-2", undefined, base)).resolves.toBe("444455556666");
    expect(requests).toHaveLength(1);
    expect(requests[0].body).toContain("Action=GetCallerIdentity");
  });

  it("says to give batchOperations.accountId when STS refuses", async () => {
    answer = () => ({
      status: 403,
      body:
        `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>` +
        `<Code>InvalidClientTokenId</Code><Message>The security token included in the request is invalid.</Message>` +
        `</Error><RequestId>r2</RequestId></ErrorResponse>`,
    });
    const err = (await accountIdFromSts("us-west-2", undefined, base).catch(
      (e: unknown) => e,
    )) as ObjectCopyError;
    expect(err.code).toBe("BATCH_ACCOUNT_ID_FAILED");
    expect(err.message).toContain(
      "GetCallerIdentity on STS in us-west-2 failed with InvalidClientTokenId (HTTP 403)",
    );
    expect(err.message).toContain("give batchOperations.accountId");
  });
});
