// The workerd example (examples/worker) against what a hostile or impatient client sends: decompression bombs
// are refused from their PNG headers before anything is inflated (413 in milliseconds, workerd's memory stays
// low), non-PNG and truncated files and oversized bodies get 4xx answers, and requests whose clients went away
// are not computed (the next client is served at once). Everything on 127.0.0.1, every request bounded in time.
import { readFile } from "node:fs/promises";
import { request as httpRequest } from "node:http";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWorker } from "../examples/worker/start.mjs";
import { readPngHeader } from "../examples/worker/png-header.js";
import { blackBitmapPng, blackGreyPng, ihdrPng, PNG_SIGNATURE, pngWithData } from "./png-bytes.js";

const lemurPath = (name: string) => fileURLToPath(new URL(`../examples/${name}`, import.meta.url));
const MiB = 1024 * 1024;

function form(image: Uint8Array, trimap: Uint8Array): FormData {
  const body = new FormData();
  body.set("image", new Blob([image], { type: "image/png" }), "image.png");
  body.set("trimap", new Blob([trimap], { type: "image/png" }), "trimap.png");
  return body;
}

/**
 * Sends the headers and `mebibytes` MiB of zeros, never ending the body, and resolves with the answer: the
 * worker must answer without reading a whole body. (workerd answers and then closes the connection, so a client
 * that went on writing would meet a broken pipe rather than read the answer.)
 */
function postRaw(url: string, headers: Record<string, string>, mebibytes: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => client.destroy(new Error("no answer within 20 s")), 20_000);
    const client = httpRequest(url, { method: "POST", headers });
    let answered = false;
    client.on("response", (response) => {
      answered = true;
      let body = "";
      response.setEncoding("utf8").on("data", (text) => (body += text)).on("end", () => {
        clearTimeout(timer);
        client.destroy();
        resolve({ status: response.statusCode!, body });
      });
    });
    client.on("error", (error) => {
      if (!answered) {
        clearTimeout(timer);
        reject(error);
      }
    });
    client.flushHeaders();
    const chunk = Buffer.alloc(MiB);
    let sent = 0;
    const sendMore = () => {
      while (!answered && sent < mebibytes) {
        sent++;
        if (!client.write(chunk)) return void client.once("drain", sendMore);
      }
    };
    sendMore();
  });
}

/** Peak (VmHWM) and current (VmRSS) resident memory of a process, in bytes, from /proc (Linux). */
async function residentBytes(pid: number): Promise<{ peak: number; now: number }> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const field = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(status)![1]) * 1024;
  return { peak: field("VmHWM"), now: field("VmRSS") };
}

describe("workerd example with hostile and impatient clients", () => {
  let worker: Awaited<ReturnType<typeof startWorker>> | undefined;
  let url: string;
  let lemur: FormData;
  // Every request gives up after 20 s, so that a worker that computes a bomb fails the test instead of hanging it.
  const post = (body: BodyInit, init: RequestInit = {}) => fetch(url, { method: "POST", body, signal: AbortSignal.timeout(20_000), ...init });
  const stats = (response: Response) => JSON.parse(response.headers.get("x-matting-stats")!);

  beforeAll(async () => {
    worker = await startWorker();
    url = worker.url;
    lemur = form(await readFile(lemurPath("lemur.png")), await readFile(lemurPath("lemur_trimap.png")));
  });

  afterAll(() => worker?.stop());

  it("refuses a 16383x16383 PNG bomb from its header: 413 TOO_LARGE naming the size, at once, with workerd's memory low", async () => {
    const bomb = await blackGreyPng(16383, 16383);
    expect(bomb.length).toBeLessThan(300_000);
    const started = performance.now();
    const response = await post(form(bomb, bomb));
    const milliseconds = performance.now() - started;
    expect(response.status).toBe(413);
    const body = await response.json();
    expect(body.code).toBe("TOO_LARGE");
    expect(body.message).toMatch(/16383x16383/);
    // Decoding it would take seconds and gigabytes; reading 33 bytes of header takes nothing (generous bound).
    expect(milliseconds).toBeLessThan(2_000);
    expect((await residentBytes(worker!.pid)).peak).toBeLessThan(300 * MiB);
    const again = await post(lemur);
    expect(again.status).toBe(200);
    expect(again.headers.get("content-type")).toBe("image/png");
  });

  it("refuses a small header whose image data inflates past it (a deflate bomb) with 400 BAD_PNG, memory low", async () => {
    // Claims 64x64 grey, carries 256 MiB of zero rows (about 250 KB deflated).
    const bomb = pngWithData({ width: 64, height: 64, bitDepth: 8, colourType: 0 }, new Uint8Array(256 * MiB));
    const trimap = pngWithData({ width: 64, height: 64, bitDepth: 8, colourType: 0 }, new Uint8Array(64 * 65).fill(0));
    const response = await post(form(bomb, trimap));
    expect(response.status).toBe(400);
    const body = await response.json();
    expect(body.code).toBe("BAD_PNG");
    expect(body.message).toMatch(/"image".*inflates to more than the 4160 bytes its 64x64 header allows/);
    expect((await residentBytes(worker!.pid)).peak).toBeLessThan(300 * MiB);
  });

  it.each([
    ["a JPEG", Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 74, 70, 73, 70, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0]), /does not start with the PNG signature/],
    ["an empty file", Buffer.alloc(0), /does not start with the PNG signature/],
    ["a signature alone", PNG_SIGNATURE, /header is truncated \(8 bytes/],
    ["a header cut short", blackBitmapPng(64, 64).subarray(0, 20), /header is truncated \(20 bytes/],
    ["bit depth 3", pngWithData({ width: 8, height: 8, bitDepth: 3, colourType: 0 }, new Uint8Array(8 * 4)), /bit depth 3, invalid for grey/],
    ["a 2-bit grey trimap", pngWithData({ width: 8, height: 8, bitDepth: 2, colourType: 0 }, new Uint8Array(8 * 3)), /grey at bit depth 2 is not supported/],
    ["a zero width", pngWithData({ width: 0, height: 8, bitDepth: 8, colourType: 0 }, new Uint8Array(8)), /invalid size 0x8/],
  ])("refuses %s as the trimap with 400 BAD_PNG", async (_, trimap, message) => {
    const response = await post(form(await readFile(lemurPath("lemur.png")), trimap));
    expect(response.status).toBe(400);
    const body = await response.json();
    expect(body.code).toBe("BAD_PNG");
    expect(body.message).toMatch(/^"trimap" is not a usable PNG/);
    expect(body.message).toMatch(message);
  });

  it("refuses image data that is not deflate with 400 BAD_PNG", async () => {
    const { width, height } = readPngHeader(await readFile(lemurPath("lemur.png")));
    const garbage = Buffer.concat([ihdrPng(width, height), Buffer.from([0, 0, 0, 4, 73, 68, 65, 84, 1, 2, 3, 4, 0, 0, 0, 0])]);
    const response = await post(form(garbage, garbage));
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: "BAD_PNG", message: expect.stringMatching(/^"image" is not a usable PNG: its image data does not inflate/) });
  });

  it("answers headers of different sizes with 422 SIZE_MISMATCH before decoding", async () => {
    const response = await post(form(ihdrPng(1600, 1000), ihdrPng(1000, 1600)));
    expect(response.status).toBe(422);
    expect(await response.json()).toMatchObject({ code: "SIZE_MISMATCH", message: "trimap is 1000x1600 but the image is 1600x1000" });
  });

  it("refuses a body over 16 MiB with 413 BODY_TOO_LARGE, whether its length is declared or streamed", async () => {
    // Declared: answered from the Content-Length header before any of the body is sent.
    const declared = await postRaw(url, { "content-type": "multipart/form-data; boundary=x", "content-length": String(17 * MiB) }, 0);
    expect(declared.status).toBe(413);
    expect(JSON.parse(declared.body).code).toBe("BODY_TOO_LARGE");
    // Chunked, without a length: the worker counts what it reads and stops past the limit.
    const streamed = await postRaw(url, { "content-type": "multipart/form-data; boundary=x", "transfer-encoding": "chunked" }, 17);
    expect(streamed.status).toBe(413);
    expect(JSON.parse(streamed.body).code).toBe("BODY_TOO_LARGE");
  });
});

// Plain workerd does not notice an HTTP client that hangs up, so requests are abandoned the way Cloudflare's edge
// abandons them when a client disconnects: the caller cancels them (here a gateway worker on a service binding,
// tests/workerd-gateway), which aborts the matting worker's request.signal.
describe("workerd example behind a gateway that abandons requests", () => {
  let worker: Awaited<ReturnType<typeof startWorker>> | undefined;
  let url: string;

  beforeAll(async () => {
    worker = await startWorker(undefined, { config: fileURLToPath(new URL("workerd-gateway/config.capnp", import.meta.url)) });
    url = worker.url;
  });

  afterAll(() => worker?.stop());

  it("does not compute 20 abandoned requests: the next client is served without waiting for them", async () => {
    const lemur = form(await readFile(lemurPath("lemur.png")), await readFile(lemurPath("lemur_trimap.png")));
    const post = (headers: Record<string, string> = {}) => fetch(url, { method: "POST", body: lemur, headers, signal: AbortSignal.timeout(60_000) });
    const mattedRequests = (response: Response) => JSON.parse(response.headers.get("x-matting-stats")!).mattedRequests;

    let started = performance.now();
    const first = await post();
    expect(first.status).toBe(200);
    const freshMilliseconds = performance.now() - started;
    const mattedBefore = mattedRequests(first);

    // Each is given up 100 ms after the gateway forwards it: while its PNGs are decoded or its alpha is solved.
    const abandoned = await Promise.all(Array.from({ length: 20 }, () => post({ "x-give-up-after-ms": "100" })));
    expect(abandoned.map((response) => response.status)).toEqual(Array(20).fill(504));

    started = performance.now();
    const next = await post();
    const nextMilliseconds = performance.now() - started;
    expect(next.status).toBe(200);
    // Only the next request is matted: each abandoned request computed to the end would add one to the count.
    expect(mattedRequests(next), `fresh ${freshMilliseconds.toFixed(0)} ms, next ${nextMilliseconds.toFixed(0)} ms`).toBe(mattedBefore + 1);
  });
});
