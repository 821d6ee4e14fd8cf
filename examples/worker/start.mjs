// Builds the worker and serves it with workerd on 127.0.0.1:
//   node examples/worker/start.mjs [port]        (default 8787; Ctrl-C stops it)
//   curl -F image=@examples/lemur.png -F trimap=@examples/lemur_trimap.png http://127.0.0.1:8787/ -o alpha.png
// Tests and benchmarks import startWorker() to run it on a free port.
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";

const exampleDir = fileURLToPath(new URL(".", import.meta.url));

/** A port the OS says is free right now on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer().once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Builds dist/, starts workerd on 127.0.0.1:port (a free one if none is given) and resolves once it answers.
 * `config` is the workerd configuration to serve (default: this folder's config.capnp).
 * @param {number} [port]
 * @param {{ config?: string }} [options]
 * @returns {Promise<{ url: string, pid: number, stop: () => Promise<void> }>}
 */
export async function startWorker(port, { config = fileURLToPath(new URL("config.capnp", import.meta.url)) } = {}) {
  await import("./build.mjs");
  port ??= await freePort();
  // The platform binary itself, not a wrapper script, so that a signal reaches the server.
  const binary = createRequire(import.meta.url)("workerd").default;
  const child = spawn(binary, ["serve", config, `--socket-addr=http=127.0.0.1:${port}`], { cwd: exampleDir, stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  child.stdout.on("data", (chunk) => (log += chunk));
  child.stderr.on("data", (chunk) => (log += chunk));
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await exited;
  };
  const url = `http://127.0.0.1:${port}/`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`workerd exited with ${child.exitCode}:\n${log}`);
    try {
      await fetch(url);
      return { url, pid: child.pid, stop };
    } catch {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`workerd did not answer within 30 s:\n${log}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { url, stop } = await startWorker(Number(process.argv[2] ?? 8787));
  console.log(`matting worker listening on ${url} (POST image and trimap PNGs as multipart/form-data)`);
  for (const signal of ["SIGINT", "SIGTERM"]) process.once(signal, () => stop().then(() => process.exit(0)));
}
