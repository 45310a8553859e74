import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-require-imports -- generated gRPC stubs are untyped CommonJS */
const repo = path.join(__dirname, "..", "..");
const pulumiRoot = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
// The Struct class must come from the google-protobuf copy @pulumi/pulumi itself loads; a second
// copy fails inside the generated code.
const fromPulumi = (id: string) =>
  require(require.resolve(id, { paths: [require.resolve("@pulumi/pulumi/proto/provider_pb")] }));
const grpc: typeof import("@grpc/grpc-js") = fromPulumi("@grpc/grpc-js");
const structpb: any = fromPulumi("google-protobuf/google/protobuf/struct_pb");
const providerPb: any = require("@pulumi/pulumi/proto/provider_pb");
const providerGrpc: any = require("@pulumi/pulumi/proto/provider_grpc_pb");

/** A program directory that has this package installed, as a user's program would. */
export function programDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "objcopy-program-"));
  fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "protocol-test", private: true }));
  fs.mkdirSync(path.join(dir, "node_modules"));
  fs.symlinkSync(repo, path.join(dir, "node_modules", "pulumi-s3-object-copy"), "dir");
  return dir;
}

/** The `__provider` text, serialized from the built package in a plain Node process. */
export function serializedProvider(): string {
  if (!fs.existsSync(path.join(repo, "dist", "provider", "index.js"))) {
    throw new Error("dist/ is missing: run `npm run build` first (scripts/test.sh does)");
  }
  return execFileSync(process.execPath, [path.join(__dirname, "serialize-provider.js")], {
    encoding: "utf8",
  });
}

export type Props = Record<string, unknown>;
export const DIFF = { UNKNOWN: 0, NONE: 1, SOME: 2 } as const;

/** The real dynamic-provider server from @pulumi/pulumi, driven over its gRPC interface. */
export class ProviderServer {
  private constructor(
    private readonly child: ChildProcess,
    private readonly client: any,
    readonly output: () => string,
  ) {}

  static async start(cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<ProviderServer> {
    const child = spawn(process.execPath, [path.join(pulumiRoot, "cmd", "dynamic-provider"), "127.0.0.1:1"], {
      cwd,
      env: { ...env, PULUMI_NODEJS_PROJECT: "protocol-test", PULUMI_NODEJS_STACK: "dev" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
    const port = await new Promise<string>((resolve, reject) => {
      let buf = "";
      const onData = (d: Buffer) => {
        buf += d.toString();
        const nl = buf.indexOf("\n");
        if (nl >= 0) {
          child.stdout!.off("data", onData);
          child.stdout!.on("data", (more: Buffer) => (out += more.toString()));
          out += buf.slice(nl + 1);
          resolve(buf.slice(0, nl).trim());
        }
      };
      child.stdout!.on("data", onData);
      child.once("exit", (code) => reject(new Error(`dynamic-provider exited with ${code}: ${out}`)));
    });
    const client = new providerGrpc.ResourceProviderClient(
      `127.0.0.1:${port}`,
      grpc.credentials.createInsecure(),
    );
    return new ProviderServer(child, client, () => out);
  }

  private call<T>(method: string, req: unknown): Promise<T> {
    return new Promise((resolve, reject) =>
      this.client[method](req, (err: Error | null, resp: T) => (err ? reject(err) : resolve(resp))),
    );
  }

  private static struct(v: Props) {
    return structpb.Struct.fromJavaScript(v);
  }

  async configure(config: Record<string, string>): Promise<void> {
    const req = new providerPb.ConfigureRequest();
    req.setArgs(ProviderServer.struct(config));
    const vars = req.getVariablesMap();
    for (const [k, v] of Object.entries(config)) vars.set(k, v);
    await this.call("configure", req);
  }

  async check(
    urn: string,
    olds: Props,
    news: Props,
  ): Promise<{ inputs: Props; failures: { property: string; reason: string }[] }> {
    const req = new providerPb.CheckRequest();
    req.setUrn(urn);
    req.setOlds(ProviderServer.struct(olds));
    req.setNews(ProviderServer.struct(news));
    const resp: any = await this.call("check", req);
    return {
      inputs: resp.getInputs().toJavaScript(),
      failures: resp
        .getFailuresList()
        .map((f: any) => ({ property: f.getProperty(), reason: f.getReason() })),
    };
  }

  async diff(
    urn: string,
    id: string,
    olds: Props,
    news: Props,
  ): Promise<{ changes: number; replaces: string[] }> {
    const req = new providerPb.DiffRequest();
    req.setUrn(urn);
    req.setId(id);
    req.setOlds(ProviderServer.struct(olds));
    req.setNews(ProviderServer.struct(news));
    const resp: any = await this.call("diff", req);
    return { changes: resp.getChanges(), replaces: resp.getReplacesList() };
  }

  async create(urn: string, props: Props): Promise<{ id: string; props: Props }> {
    const req = new providerPb.CreateRequest();
    req.setUrn(urn);
    req.setProperties(ProviderServer.struct(props));
    const resp: any = await this.call("create", req);
    return { id: resp.getId(), props: resp.getProperties().toJavaScript() };
  }

  async read(urn: string, id: string, props: Props): Promise<{ id: string; props: Props }> {
    const req = new providerPb.ReadRequest();
    req.setUrn(urn);
    req.setId(id);
    req.setProperties(ProviderServer.struct(props));
    const resp: any = await this.call("read", req);
    return { id: resp.getId(), props: resp.getProperties()?.toJavaScript() ?? {} };
  }

  async update(urn: string, id: string, olds: Props, news: Props): Promise<Props> {
    const req = new providerPb.UpdateRequest();
    req.setUrn(urn);
    req.setId(id);
    req.setOlds(ProviderServer.struct(olds));
    req.setNews(ProviderServer.struct(news));
    const resp: any = await this.call("update", req);
    return resp.getProperties().toJavaScript();
  }

  async delete(urn: string, id: string, props: Props): Promise<void> {
    const req = new providerPb.DeleteRequest();
    req.setUrn(urn);
    req.setId(id);
    req.setProperties(ProviderServer.struct(props));
    await this.call("delete", req);
  }

  async stop(): Promise<void> {
    this.client.close();
    if (this.child.exitCode === null) {
      const exited = new Promise((r) => this.child.once("exit", r));
      this.child.kill("SIGTERM");
      await exited;
    }
  }
}
