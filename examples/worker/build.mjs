// Bundles worker.js and its npm imports (matting's workerd entry, fast-png) into dist/worker.js, since
// workerd cannot resolve bare imports. The wasm import stays external: config.capnp embeds dist/matting.wasm
// as a wasm module, which workerd hands to the entry as a compiled WebAssembly.Module.
//   node examples/worker/build.mjs   (after `npm run build` at the package root)
import { build } from "esbuild";
import { copyFile, mkdir } from "node:fs/promises";
import { fileURLToPath } from "node:url";

const here = (path) => fileURLToPath(new URL(path, import.meta.url));

await mkdir(here("dist"), { recursive: true });
await build({
  entryPoints: [here("worker.js")],
  outfile: here("dist/worker.js"),
  bundle: true,
  format: "esm",
  platform: "neutral",
  conditions: ["workerd", "worker"],
  mainFields: ["module", "main"],
  logLevel: "warning",
  plugins: [
    {
      name: "external-wasm-module",
      setup(builder) {
        builder.onResolve({ filter: /\.wasm$/ }, () => ({ path: "./matting.wasm", external: true }));
      },
    },
  ],
});
await copyFile(here("../../dist/matting.wasm"), here("dist/matting.wasm"));
