// ObjectCopySet's preview on a real server, through the dynamic provider's check and diff as the
// engine calls them: the first preview of a new set, and of a replacement, says what up will copy
// (Pulumi calls no diff for a new resource, so check prints the line).
import { objectCopySetProvider } from "../../provider/set-dynamic";
import type { SetOutputs } from "../../provider/engine/set";
import { newBucket, provider, put } from "../helpers/s3";

let n = 0;
const identity = () => ({ __setProject: "proj", __setStack: "test", __setName: `guard-${++n}` });

async function checked(news: Record<string, unknown>, olds: Record<string, unknown> = {}) {
  const r = await objectCopySetProvider.check!(olds, news);
  if (r.failures?.length) throw new Error(`check failed: ${JSON.stringify(r.failures)}`);
  return r.inputs as Record<string, unknown>;
}

let logs: string[] = [];
beforeEach(() => {
  provider.reset();
  logs = [];
  jest.spyOn(console, "log").mockImplementation((line: string) => void logs.push(String(line)));
});
afterEach(() => jest.restoreAllMocks());

describe("ObjectCopySet preview", () => {
  it("prints what a new set will copy at its first preview, before any create", async () => {
    const src = await newBucket();
    const dst = await newBucket();
    await put(src, "build/index.html", "x".repeat(1024));
    await put(src, "build/app.js", "y".repeat(1024));
    await put(src, "other/skip.js", "not under build/");

    await checked({ source: `${src}/build/`, bucket: dst, prefix: "site/", ...identity() });

    expect(logs).toEqual([
      "copy 2 objects (0.0 MiB), re-copy 0 (0.0 MiB), delete 0; e.g. app.js, index.html",
    ]);
  });

  it("prints what a replacement will copy: a new destination prefix starts from nothing", async () => {
    const src = await newBucket();
    const dst = await newBucket();
    await put(src, "build/a.js", "a");
    const news = { source: `${src}/build/`, bucket: dst, prefix: "site/", ...identity() };
    const outs = (await objectCopySetProvider.create(await checked(news))).outs as SetOutputs;
    expect(outs.objectCount).toBe(1);
    logs = [];

    const moved = await checked({ ...news, prefix: "site2/" }, outs as never);
    expect(logs).toEqual(["copy 1 objects (0.0 MiB), re-copy 0 (0.0 MiB), delete 0; e.g. a.js"]);
    expect(await objectCopySetProvider.diff!("id", outs, moved)).toMatchObject({ replaces: ["prefix"] });
  });
});
