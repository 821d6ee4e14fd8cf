# workerd configuration for the matting worker. Build first: node examples/worker/build.mjs
# Run: npx workerd serve examples/worker/config.capnp   (override the address with --socket-addr http=HOST:PORT)
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [(name = "main", worker = .mattingWorker)],
  sockets = [(name = "http", address = "127.0.0.1:8787", http = (), service = "main")],
);

const mattingWorker :Workerd.Worker = (
  modules = [
    (name = "worker.js", esModule = embed "dist/worker.js"),
    (name = "matting.wasm", wasm = embed "dist/matting.wasm"),
  ],
  compatibilityDate = "2025-09-01",
  # request.signal aborts when the client goes away, so the worker stops work nobody will read.
  compatibilityFlags = ["enable_request_signal"],
);
