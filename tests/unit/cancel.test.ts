import { CancelRegistry } from "../../provider/engine/cancel";
import { fakeProcess } from "../helpers/fake-process";

describe("CancelRegistry: one handler for the whole process", () => {
  it("listens once for SIGINT and SIGTERM however many scopes are open, and stops when the last closes", () => {
    const proc = fakeProcess();
    const registry = new CancelRegistry(proc.hooks);
    const scopes = Array.from({ length: 12 }, (_, i) => registry.openScope(`copy ${i}`));
    expect([proc.listenerCount("SIGINT"), proc.listenerCount("SIGTERM")]).toEqual([1, 1]);
    scopes.slice(1).forEach((s) => s.close());
    expect(proc.listenerCount("SIGTERM")).toBe(1);
    scopes[0].close();
    expect([proc.listenerCount("SIGINT"), proc.listenerCount("SIGTERM")]).toEqual([0, 0]);
    expect(proc.raised).toEqual([]);
  });

  it("on a signal aborts every scope, and raises the signal only once the last scope has closed", () => {
    const proc = fakeProcess();
    const registry = new CancelRegistry(proc.hooks);
    const [a, b, c] = ["a", "b", "c"].map((l) => registry.openScope(l));
    proc.send("SIGTERM");
    expect([a, b, c].map((s) => [s.signal.aborted, s.cancelledBy])).toEqual([
      [true, "SIGTERM"],
      [true, "SIGTERM"],
      [true, "SIGTERM"],
    ]);
    expect(proc.timer()?.ms).toBe(20_000);
    a.close();
    b.close();
    b.close(); // closing twice counts once
    expect(proc.raised).toEqual([]);
    expect(proc.listenerCount("SIGTERM")).toBe(1);
    c.close();
    expect(proc.raised).toEqual(["SIGTERM"]);
    expect(proc.timer()).toBeUndefined();
    expect([proc.listenerCount("SIGINT"), proc.listenerCount("SIGTERM")]).toEqual([0, 0]);
    expect(proc.warnings).toEqual([]);
  });

  it("raises the signal when the grace period ends, naming what is still open", () => {
    const proc = fakeProcess(3_000);
    const registry = new CancelRegistry(proc.hooks);
    const done = registry.openScope("first");
    const stuck = registry.openScope("first label");
    stuck.describe("AbortMultipartUpload of U7 on s3://b/k");
    proc.send("SIGINT");
    done.close();
    expect(proc.timer()?.ms).toBe(3_000);
    proc.timer()!.fire();
    expect(proc.raised).toEqual(["SIGINT"]);
    expect(proc.warnings).toEqual([
      "SIGINT: stopping after 3000 ms with 1 clean-up(s) unfinished: AbortMultipartUpload of U7 on s3://b/k. " +
        "An ObjectCopy's next up on its key aborts what is left; otherwise aws s3api abort-multipart-upload " +
        "with the ids above does.",
    ]);
    stuck.close(); // finishing late raises nothing more
    expect(proc.raised).toEqual(["SIGINT"]);
  });

  it("ignores a second signal while cleaning up, and raises the first one once", () => {
    const proc = fakeProcess();
    const registry = new CancelRegistry(proc.hooks);
    const s = registry.openScope("a");
    proc.send("SIGTERM");
    const timer = proc.timer();
    proc.send("SIGINT");
    expect(proc.timer()).toBe(timer);
    s.close();
    expect(proc.raised).toEqual(["SIGTERM"]);
  });

  it("cancels a scope opened after the signal from the start, and waits for it too", () => {
    const proc = fakeProcess();
    const registry = new CancelRegistry(proc.hooks);
    const first = registry.openScope("a");
    proc.send("SIGTERM");
    const late = registry.openScope("b"); // e.g. a Create that was in flight, now registering its upload
    expect([late.signal.aborted, late.cancelledBy]).toEqual([true, "SIGTERM"]);
    first.close();
    expect(proc.raised).toEqual([]);
    late.close();
    expect(proc.raised).toEqual(["SIGTERM"]);
  });

  it("leaves the signals alone when nothing is open", () => {
    const proc = fakeProcess();
    const registry = new CancelRegistry(proc.hooks);
    registry.openScope("a").close();
    proc.send("SIGTERM");
    expect(proc.raised).toEqual([]);
    expect(registry.size).toBe(0);
  });
});
