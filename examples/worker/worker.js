// A Cloudflare Worker (workerd) that mattes: POST multipart/form-data with two PNG file fields,
// "image" (the photo) and "trimap" (0 background, 255 foreground, anything else unknown), and get the
// alpha matte back as an 8-bit greyscale PNG; an optional text field "method" picks the alpha method ("cf",
// the default, or "knn"). Statistics of the solve come in the X-Matting-Stats header.
//
// "matting" resolves with the "workerd" export condition to the entry that imports matting.wasm as a
// precompiled WebAssembly.Module (workerd forbids compiling bytes at run time).
import { createMatting, MattingError } from "matting";
import { convertIndexedToRgb, decode, encode } from "fast-png";

// Workers allow 128 MB per isolate, JavaScript included, and going over ends the isolate with every request
// it serves. Capping the engine's wasm memory turns an image too large for that into a 413 answer instead.
const MAX_WASM_BYTES = 96 * 1024 * 1024;
let engine;

const USAGE = "POST multipart/form-data with PNG files in the fields \"image\" and \"trimap\" (and optionally the text field \"method\": cf or knn); the answer is the alpha PNG.\n";

export default {
  async fetch(request) {
    if (request.method !== "POST") return new Response(USAGE, { status: 405, headers: { allow: "POST" } });
    try {
      const form = await request.formData().catch(() => {
        throw new RequestError(415, "BAD_FORM", "the body is not multipart/form-data");
      });
      const image = toImage(await readPng(form, "image"));
      const trimap = toTrimap(await readPng(form, "trimap"));
      // workerd has no threads: asking for two is harmless, the engine works alone (stats.threads is 1).
      engine ??= createMatting({ maxMemoryBytes: MAX_WASM_BYTES, threads: 2 });
      // An optional text field "method" picks the alpha method (cf, knn); the library refuses others (422).
      const method = form.get("method");
      if (method !== null && typeof method !== "string") throw new RequestError(400, "BAD_FIELD", "the field \"method\" must be text, not a file");
      const { alpha, stats } = await (await engine).estimateAlpha(image, trimap, method === null ? {} : { method });
      const alpha8 = new Uint8Array(alpha.length);
      for (let i = 0; i < alpha.length; i++) alpha8[i] = Math.round(alpha[i] * 255);
      const png = encode({ width: stats.width, height: stats.height, data: alpha8, channels: 1, depth: 8 });
      const summary = { method: stats.method, iterations: stats.iterations, converged: stats.converged, unknownPixels: stats.unknownPixels, threads: stats.threads, peakBytes: stats.peakBytes, wasmMemoryBytes: stats.wasmMemoryBytes, milliseconds: stats.milliseconds.total };
      return new Response(png, { headers: { "content-type": "image/png", "x-matting-stats": JSON.stringify(summary) } });
    } catch (error) {
      if (error instanceof RequestError) return errorResponse(error.status, error.code, error.message);
      if (error instanceof MattingError) return errorResponse(error.code === "TOO_LARGE" ? 413 : 422, error.code, error.message);
      throw error;
    }
  },
};

class RequestError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

function errorResponse(status, code, message) {
  return Response.json({ code, message }, { status });
}

async function readPng(form, field) {
  const file = form.get(field);
  if (file === null || typeof file === "string") throw new RequestError(400, "MISSING_FIELD", `the form has no file field "${field}"`);
  try {
    const png = decode(new Uint8Array(await file.arrayBuffer()));
    if (png.palette) return { width: png.width, height: png.height, data: convertIndexedToRgb(png), channels: png.transparency ? 4 : 3 };
    if (png.depth === 8) return png;
    if (png.depth === 16) return { ...png, data: Uint8Array.from(png.data, (sample) => sample >> 8) };
    throw new Error(`bit depth ${png.depth} is not supported (use 8 or 16)`);
  } catch (cause) {
    throw new RequestError(400, "BAD_PNG", `"${field}" is not a usable PNG: ${cause.message}`);
  }
}

// matting takes RGB or RGBA photos: grey (+ alpha) PNGs are widened to RGB.
function toImage({ width, height, data, channels }) {
  if (channels === 3 || channels === 4) return { width, height, data };
  const rgb = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) rgb.fill(data[i * channels], i * 3, i * 3 + 3);
  return { width, height, data: rgb };
}

// matting takes one-channel or RGBA trimaps: other layouts keep their first channel.
function toTrimap({ width, height, data, channels }) {
  if (channels === 1 || channels === 4) return { width, height, data };
  const grey = new Uint8Array(width * height);
  for (let i = 0; i < grey.length; i++) grey[i] = data[i * channels];
  return { width, height, data: grey };
}
