import type * as pulumi from "@pulumi/pulumi";

type Engine = typeof import("./engine");

/*
 * As in dynamic.ts: each method requires the engine by package name inside its body, so the text
 * Pulumi serializes into every resource's state stays a few kilobytes of plain calls, with no SDK
 * clients, paths or captured values in it.
 */
/* eslint-disable @typescript-eslint/no-require-imports */

/** The `pulumi.dynamic.ResourceProvider` behind {@link ObjectCopySet}; usable on its own. */
export const objectCopySetProvider: pulumi.dynamic.ResourceProvider = {
  async configure(req: pulumi.dynamic.ConfigureRequest) {
    const engine: Engine = require("pulumi-s3-object-copy/engine");
    engine.setProviderSettings({ region: req.config.get("aws:region") });
  },

  async check(olds: Record<string, unknown>, news: Record<string, unknown>) {
    const engine: Engine = require("pulumi-s3-object-copy/engine");
    const { inputs, failures } = await engine.checkSet(news, new Date(), olds);
    return { inputs, failures };
  },

  async diff(_id: string, olds: Record<string, unknown>, news: Record<string, unknown>) {
    const engine: Engine = require("pulumi-s3-object-copy/engine");
    const answer = await engine.diffSet(olds as never, news as never);
    for (const reason of answer.reasons) console.log(reason);
    return {
      changes: answer.changes,
      replaces: answer.replaces,
      deleteBeforeReplace: answer.deleteBeforeReplace,
    };
  },

  async create(inputs: Record<string, unknown>) {
    const engine: Engine = require("pulumi-s3-object-copy/engine");
    return engine.createSet(inputs as never);
  },

  async read(id: string, props?: Record<string, unknown>) {
    const engine: Engine = require("pulumi-s3-object-copy/engine");
    return props ? { id, props: await engine.readSet(props as never) } : {};
  },

  async update(_id: string, olds: Record<string, unknown>, news: Record<string, unknown>) {
    const engine: Engine = require("pulumi-s3-object-copy/engine");
    return { outs: await engine.updateSet(olds as never, news as never) };
  },

  async delete(_id: string, props: Record<string, unknown>) {
    const engine: Engine = require("pulumi-s3-object-copy/engine");
    console.log(await engine.deleteSet(props as never));
  },
};
