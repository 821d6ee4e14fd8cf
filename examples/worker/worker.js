// A Cloudflare Worker (workerd) that mattes: POST multipart/form-data with two PNG file fields,
// "image" (the photo) and "trimap" (0 background, 255 foreground, anything else unknown), and get the
// alpha matte back as an 8-bit greyscale PNG; an optional text field "method" picks the alpha method ("cf",
// the default, or "knn"). Statistics of the solve come in the X-Matting-Stats header.
//
// "matting" resolves with the "workerd" export condition to the entry that imports matting.wasm as a
// precompiled WebAssembly.Module (workerd forbids compiling bytes at run time).
//
// What it refuses before doing any work, and why (an isolate that runs out of memory dies with every request
// it serves): a body over 16 MiB (413), files that are not PNGs, whose header is cut short or gives a layout it
// does not read (400), images whose header gives more pixels than the engine's memory can ever hold (413, in
// milliseconds, before inflating), headers of different sizes (422) and image data that inflates to more than its
// header says (400). A client that goes away (request.signal, with the
// compatibility flag enable_request_signal) stops its request: nothing more is decoded or solved for it.
import { createMatting, MattingError } from "matting";
import { convertIndexedToRgb, decode, encode } from "fast-png";
import { MAX_BODY_BYTES, MAX_PIXELS, MAX_WASM_BYTES } from "./limits.js";
import { checkInflatedSize, readPngHeader } from "./png-header.js";

let engine;
// Requests this isolate has matted to the end: the stats header reports it, so abandoned work can be seen.
let mattedRequests = 0;

const USAGE = "POST multipart/form-data with PNG files in the fields \"image\" and \"trimap\" (and optionally the text field \"method\": cf, knn, ...); the answer is the alpha PNG.\n";

export default {
  fetch(request, env, context) {
    if (request.method !== "POST") return new Response(USAGE, { status: 405, headers: { allow: "POST" } });
    const answer = respond(request);
    // When the client goes away, workerd cancels the request and, without this, every timer and promise it
    // made: a solve holding the engine would never finish, and every later request would wait behind it.
    // Kept alive, the request sees its signal abort and its solve stops at the next slice.
    context.waitUntil(answer.then(() => undefined, () => undefined));
    return answer;
  },
};

async function respond(request) {
  const { signal } = request; // aborted when the client goes away (compatibility flag enable_request_signal)
  try {
    const form = await readForm(request);
    const files = { image: await readFile(form, "image"), trimap: await readFile(form, "trimap") };
    checkHeaders(files);
    await Promise.all([checkImageData(files.image, "image"), checkImageData(files.trimap, "trimap")]);
    stopIfGone(signal);
    const image = toImage(decodePng(files.image.bytes, "image"));
    stopIfGone(signal);
    const trimap = toTrimap(decodePng(files.trimap.bytes, "trimap"));
    stopIfGone(signal);
    // workerd has no threads: asking for two is harmless, the engine works alone (stats.threads is 1).
    engine ??= createMatting({ maxMemoryBytes: MAX_WASM_BYTES, threads: 2 });
    // An optional text field "method" picks the alpha method (cf, knn, ...); the library refuses others (422).
    const method = form.get("method");
    if (method !== null && typeof method !== "string") throw new RequestError(400, "BAD_FIELD", "the field \"method\" must be text, not a file");
    const { alpha, stats } = await (await engine).estimateAlpha(image, trimap, method === null ? { signal } : { method, signal });
    mattedRequests++;
    const alpha8 = new Uint8Array(alpha.length);
    for (let i = 0; i < alpha.length; i++) alpha8[i] = Math.round(alpha[i] * 255);
    const png = encode({ width: stats.width, height: stats.height, data: alpha8, channels: 1, depth: 8 });
    const summary = { method: stats.method, iterations: stats.iterations, converged: stats.converged, unknownPixels: stats.unknownPixels, threads: stats.threads, peakBytes: stats.peakBytes, wasmMemoryBytes: stats.wasmMemoryBytes, milliseconds: stats.milliseconds.total, mattedRequests };
    return new Response(png, { headers: { "content-type": "image/png", "x-matting-stats": JSON.stringify(summary) } });
  } catch (error) {
    // Nobody reads this answer; it only ends the request (499: the client closed it, as nginx logs it).
    if (signal.aborted) return errorResponse(499, "ABORTED", "the client went away");
    if (error instanceof RequestError) return errorResponse(error.status, error.code, error.message);
    if (error instanceof MattingError) return errorResponse(error.code === "TOO_LARGE" ? 413 : 422, error.code, error.message);
    throw error;
  }
}

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

function stopIfGone(signal) {
  if (signal.aborted) throw new RequestError(499, "ABORTED", "the client went away");
}

/** The body, read up to MAX_BODY_BYTES (a larger one is refused as soon as it is declared or seen), as a form. */
async function readForm(request) {
  const tooLarge = () => new RequestError(413, "BODY_TOO_LARGE", `the body is over ${MAX_BODY_BYTES / 1024 / 1024} MiB, the most this worker reads`);
  if (Number(request.headers.get("content-length")) > MAX_BODY_BYTES) throw tooLarge();
  const chunks = [];
  let total = 0;
  if (request.body) {
    const reader = request.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > MAX_BODY_BYTES) {
        await reader.cancel();
        throw tooLarge();
      }
      chunks.push(value);
    }
  }
  const body = new Blob(chunks);
  return new Response(body, { headers: { "content-type": request.headers.get("content-type") ?? "" } }).formData().catch(() => {
    throw new RequestError(415, "BAD_FORM", "the body is not multipart/form-data");
  });
}

/** A file field's bytes and PNG header; 400 when it is missing or does not start as a PNG does. */
async function readFile(form, field) {
  const file = form.get(field);
  if (file === null || typeof file === "string") throw new RequestError(400, "MISSING_FIELD", `the form has no file field "${field}"`);
  const bytes = new Uint8Array(await file.arrayBuffer());
  try {
    const header = readPngHeader(bytes);
    // fast-png leaves grey samples under 8 bits packed; palettes of any depth are expanded to RGB.
    if (header.bitDepth < 8 && header.colourType !== 3) throw new Error(`grey at bit depth ${header.bitDepth} is not supported (use 8 or 16)`);
    return { bytes, header };
  } catch (cause) {
    throw new RequestError(400, "BAD_PNG", `"${field}" is not a usable PNG: ${cause.message}`);
  }
}

/** The engine's size checks, answered from the headers alone: nothing has been inflated yet. */
function checkHeaders({ image, trimap }) {
  for (const [field, { header }] of Object.entries({ image, trimap })) {
    const pixels = header.width * header.height;
    if (pixels > MAX_PIXELS) {
      throw new RequestError(413, "TOO_LARGE", `"${field}" is ${header.width}x${header.height} (${(pixels / 1e6).toFixed(1)} Mpx); ` +
        `this worker's engine has ${MAX_WASM_BYTES / 1024 / 1024} MiB of WebAssembly memory, room for at most ${(MAX_PIXELS / 1e6).toFixed(2)} Mpx`);
    }
  }
  if (image.header.width !== trimap.header.width || image.header.height !== trimap.header.height) {
    throw new RequestError(422, "SIZE_MISMATCH", `trimap is ${trimap.header.width}x${trimap.header.height} but the image is ${image.header.width}x${image.header.height}`);
  }
}

async function checkImageData({ bytes, header }, field) {
  await checkInflatedSize(bytes, header).catch((cause) => {
    throw new RequestError(400, "BAD_PNG", `"${field}" is not a usable PNG: ${cause.message}`);
  });
}

function decodePng(bytes, field) {
  try {
    const png = decode(bytes);
    if (png.palette) return { width: png.width, height: png.height, data: convertIndexedToRgb(png), channels: png.transparency ? 4 : 3 };
    if (png.depth === 8) return png;
    return { ...png, data: Uint8Array.from(png.data, (sample) => sample >> 8) }; // 16 bits: the header was checked
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
