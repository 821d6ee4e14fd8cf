// Vite needs no plugin for matting: in a build, the package's `new URL("../matting.wasm", import.meta.url)`
// makes Vite emit matting.wasm as an asset and rewrite the URL.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "./",
  build: { outDir: "dist", emptyOutDir: true },
});
