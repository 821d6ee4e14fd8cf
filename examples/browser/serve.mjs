// A small static file server for the demo page (and the repository's browser tests).
// `npm run demo` serves the repository's examples/ and dist/ on 127.0.0.1 and prints the page's address.
// Options: --port N (default 8080; 0 picks a free port), --host H (default 127.0.0.1).
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { createServer } from "node:http";
import { extname, join, normalize, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const contentTypes = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".map": "application/json",
  // compileStreaming accepts only this type.
  ".wasm": "application/wasm",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".svg": "image/svg+xml",
  ".ico": "image/x-icon",
};

/**
 * Serves the files under `directory`. `allow` lists the URL path prefixes that may be read (all if absent);
 * `index` is where "/" redirects; `isolated` sends the COOP/COEP headers that make pages cross-origin
 * isolated, which shared memory (and so matting's threads) needs. Resolves once listening, with the base
 * URL and a close function.
 */
export async function serveStatic(directory, { port = 0, host = "127.0.0.1", allow, index, isolated = false } = {}) {
  const isolation = isolated ? { "cross-origin-opener-policy": "same-origin", "cross-origin-embedder-policy": "require-corp" } : {};
  const root = normalize(directory + sep);
  const server = createServer(async (request, response) => {
    const send = (status, text) => response.writeHead(status, { "content-type": "text/plain" }).end(text);
    if (request.method !== "GET" && request.method !== "HEAD") return send(405, "method not allowed");
    let path;
    try {
      path = decodeURIComponent(new URL(request.url, "http://localhost").pathname);
    } catch {
      return send(400, "bad request");
    }
    if (path === "/" && index) return response.writeHead(302, { location: index }).end();
    if (allow && !allow.some((prefix) => path.startsWith(prefix))) return send(404, "not found");
    let file = normalize(join(root, path));
    if (!file.startsWith(root)) return send(403, "forbidden");
    try {
      if ((await stat(file)).isDirectory()) file = join(file, "index.html");
      const { size } = await stat(file);
      response.writeHead(200, {
        "content-type": contentTypes[extname(file).toLowerCase()] ?? "application/octet-stream",
        "content-length": size,
        "cache-control": "no-store",
        ...isolation,
      });
      if (request.method === "HEAD") return response.end();
      createReadStream(file).pipe(response);
    } catch {
      send(404, "not found");
    }
  });
  await new Promise((listening, failed) => {
    server.once("error", failed);
    server.listen(port, host, listening);
  });
  const address = server.address();
  return {
    url: `http://${host}:${address.port}/`,
    close: () =>
      new Promise((closed) => {
        server.close(() => closed());
        server.closeAllConnections();
      }),
  };
}

/** The demo: the page, its worker and the bundled lemur from examples/, the library from dist/; isolated, for threads. */
export function serveDemo(options = {}) {
  const repository = fileURLToPath(new URL("../../", import.meta.url));
  return serveStatic(repository, { isolated: true, ...options, allow: ["/examples/", "/dist/"], index: "/examples/browser/" });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  const flag = (name, fallback) => {
    const at = process.argv.indexOf(name);
    return at > 0 && process.argv[at + 1] !== undefined ? process.argv[at + 1] : fallback;
  };
  const { url } = await serveDemo({ port: Number(flag("--port", "8080")), host: flag("--host", "127.0.0.1") });
  console.log(`matting demo: ${url}examples/browser/  (Ctrl+C stops)`);
}
