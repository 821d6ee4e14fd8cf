# The matting worker (examples/worker, built) behind tests/workerd-gateway/gateway.js, for tests that abandon
# requests. Build the worker first: node examples/worker/build.mjs
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [(name = "gateway", worker = .gateway), (name = "matting", worker = .matting)],
  sockets = [(name = "http", address = "127.0.0.1:8787", http = (), service = "gateway")],
);

const gateway :Workerd.Worker = (
  modules = [(name = "gateway.js", esModule = embed "gateway.js")],
  compatibilityDate = "2025-09-01",
  bindings = [(name = "MATTING", service = "matting")],
);

const matting :Workerd.Worker = (
  modules = [
    (name = "worker.js", esModule = embed "../../examples/worker/dist/worker.js"),
    (name = "matting.wasm", wasm = embed "../../examples/worker/dist/matting.wasm"),
  ],
  compatibilityDate = "2025-09-01",
  compatibilityFlags = ["enable_request_signal"],
);
