// The runtime entries (dist/entry/*.js) are written out by hand: they must export the same names, and
// the browser entry, loaded from a file: URL (as under Node-like hosts), must read the wasm beside it.
import { build } from "esbuild";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import * as browserEntry from "../dist/entry/browser.js";
import * as nodeEntry from "../dist/entry/node.js";
import { makeScene } from "../examples/scene.ts";

/** Export names of the workerd entry, read by esbuild (Node cannot import its .wasm module). */
async function workerdExports(): Promise<string[]> {
  const result = await build({
    entryPoints: [fileURLToPath(new URL("../dist/entry/workerd.js", import.meta.url))],
    bundle: true,
    format: "esm",
    write: false,
    metafile: true,
    outfile: "workerd-entry.js",
    external: ["*.wasm"],
    logLevel: "silent",
  });
  return Object.values(result.metafile.outputs)[0].exports;
}

describe("runtime entries", () => {
  it("export the same names in Node, browsers and workerd (Node adds its worker-thread pool)", async () => {
    const nodeOnly = ["createMattePool"];
    expect(Object.keys(nodeEntry)).toEqual(expect.arrayContaining(nodeOnly));
    const names = Object.keys(nodeEntry).filter((name) => !nodeOnly.includes(name)).sort();
    expect(names).toContain("createMatting");
    expect(names).toContain("estimateAlpha");
    expect(names).toContain("MattingError");
    expect(Object.keys(browserEntry).sort()).toEqual(names);
    expect((await workerdExports()).sort()).toEqual(names);
  });

  it("browser entry reads the wasm from disk when loaded from a file: URL, with Node's answer", async () => {
    const { image, trimap } = makeScene(40, 30);
    const fromBrowserEntry = await browserEntry.estimateAlpha(image, trimap);
    const fromNodeEntry = await nodeEntry.estimateAlpha(image, trimap);
    expect(fromBrowserEntry.alpha).toEqual(fromNodeEntry.alpha);
  });
});
