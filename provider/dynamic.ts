import type * as pulumi from "@pulumi/pulumi";

type Engine = typeof import("./engine");

/*
 * Each method requires the engine by package name inside its body. Pulumi serializes this object
 * into every resource's state as `__provider`; requiring inside the methods keeps that text a few
 * kilobytes of plain calls, with no SDK clients, paths or captured values in it, and the provider
 * process resolves the package from the program's own node_modules.
 */
/* eslint-disable @typescript-eslint/no-require-imports */

/** The `pulumi.dynamic.ResourceProvider` behind {@link ObjectCopy}; usable on its own. */
export const objectCopyProvider: pulumi.dynamic.ResourceProvider = {
  async configure(req: pulumi.dynamic.ConfigureRequest) {
    const engine: Engine = require("pulumi-s3-object-copy/engine");
    engine.setProviderSettings({ region: req.config.get("aws:region") });
  },

  async check(olds: Record<string, unknown>, news: Record<string, unknown>) {
    const engine: Engine = require("pulumi-s3-object-copy/engine");
    const { inputs, failures } = engine.check(news, new Date(), olds);
    return { inputs, failures };
  },

  async diff(_id: string, olds: Record<string, unknown>, news: Record<string, unknown>) {
    const engine: Engine = require("pulumi-s3-object-copy/engine");
    const answer = await engine.diff(olds as never, news as never);
    for (const reason of answer.reasons) console.log(reason);
    return { changes: answer.changes, replaces: answer.replaces, deleteBeforeReplace: false };
  },

  async create(inputs: Record<string, unknown>) {
    const engine: Engine = require("pulumi-s3-object-copy/engine");
    return engine.create(inputs as never);
  },

  async read(id: string, props?: Record<string, unknown>) {
    const engine: Engine = require("pulumi-s3-object-copy/engine");
    const outs = props ? await engine.read(props as never) : undefined;
    return outs ? { id, props: outs } : {};
  },

  async update(_id: string, olds: Record<string, unknown>, news: Record<string, unknown>) {
    const engine: Engine = require("pulumi-s3-object-copy/engine");
    return { outs: await engine.update(olds as never, news as never) };
  },

  async delete(_id: string, props: Record<string, unknown>) {
    const engine: Engine = require("pulumi-s3-object-copy/engine");
    console.log(await engine.deleteCopy(props as never));
  },
};
