// webpack 5 needs no loader or rule for matting: the package's `new URL("../matting.wasm", import.meta.url)`
// is an asset reference, so webpack emits matting.wasm as a file of its own and rewrites the URL.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import webpack from "webpack";

const here = (path) => fileURLToPath(new URL(path, import.meta.url));

// Writes index.html with a script tag for the entry bundle (what html-webpack-plugin does, in a few lines).
class EmitIndexHtml {
  apply(compiler) {
    compiler.hooks.thisCompilation.tap("EmitIndexHtml", (compilation) => {
      compilation.hooks.processAssets.tap({ name: "EmitIndexHtml", stage: webpack.Compilation.PROCESS_ASSETS_STAGE_SUMMARIZE }, () => {
        const scripts = [...compilation.entrypoints.get("main").getFiles()].filter((file) => file.endsWith(".js"));
        const tags = scripts.map((file) => `<script defer src="${file}"></script>`).join("\n");
        const html = readFileSync(here("index.html"), "utf8").replace("</head>", `${tags}\n</head>`);
        compilation.emitAsset("index.html", new webpack.sources.RawSource(html));
      });
    });
  }
}

export default {
  mode: "production",
  context: here("."),
  entry: "./src/main.js",
  output: {
    path: here("dist"),
    filename: "[name].[contenthash:8].js",
    assetModuleFilename: "assets/[name].[contenthash:8][ext]",
    clean: true,
  },
  plugins: [new EmitIndexHtml()],
  // The example ships the 470 KB lemur photo; that is not a bundle size problem.
  performance: { hints: false },
};
