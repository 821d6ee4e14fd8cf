// Image files for the command line, decoded and encoded by sharp (libvips): PNG 8/16 bit in every colour
// type, JPEG with EXIF orientation, and the other formats libvips reads.
import { readFile, writeFile } from "node:fs/promises";
import sharp from "sharp";
import { type AlphaMatte, MattingError, type RGBImage, type Trimap } from "../entry/node.js";

/** An upright raster as three interleaved channels (grey is replicated, alpha dropped). */
interface Raster {
  width: number;
  height: number;
  /** 8-bit samples, or 16-bit ones when the file stores 16 bits per sample. */
  samples: Uint8Array | Uint16Array;
}

/** "ENOENT: no such file or directory, open 'x'" -> "no such file or directory". */
function systemReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const match = /^E[A-Z]+: ([^,]+)/.exec(message);
  return match ? match[1] : message;
}

/** libvips messages can span lines and repeat the loader name; one line is enough. */
function decoderReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split("\n").map((line) => line.trim()).filter(Boolean).join("; ");
}

async function decode(path: string): Promise<Raster> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (cause) {
    throw new MattingError("READ_FAILED", `cannot read: ${systemReason(cause)}`, { file: path }, { cause });
  }
  try {
    // failOn "warning": a truncated or damaged file is an error rather than a partly grey picture.
    const input = sharp(bytes, { failOn: "warning" });
    const { depth } = await input.metadata();
    const sixteenBit = depth === "ushort";
    const { data, info } = await input
      .autoOrient()
      .removeAlpha()
      .toColourspace(sixteenBit ? "rgb16" : "srgb")
      .raw({ depth: sixteenBit ? "ushort" : "uchar" })
      .toBuffer({ resolveWithObject: true });
    const samples = sixteenBit
      ? new Uint16Array(data.buffer, data.byteOffset, data.byteLength / 2)
      : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    if (info.channels !== 3) throw new Error(`decoded ${info.channels} channels, expected 3`);
    return { width: info.width, height: info.height, samples };
  } catch (cause) {
    const reason = bytes.length === 0 ? "the file is empty" : decoderReason(cause);
    throw new MattingError("READ_FAILED", `cannot decode the image: ${reason}`, { file: path }, { cause });
  }
}

/** The photo: 8-bit RGB bytes, or Float32 RGB in [0, 1] for 16-bit files so no precision is lost. */
export async function readImage(path: string): Promise<RGBImage> {
  const { width, height, samples } = await decode(path);
  if (samples instanceof Uint8Array) return { width, height, data: samples };
  const data = new Float32Array(samples.length);
  for (let i = 0; i < samples.length; i++) data[i] = samples[i] / 65535;
  return { width, height, data };
}

/** The trimap's first channel as 8-bit labels; in 16-bit files 0 and 65535 are the sure values. */
export async function readTrimap(path: string): Promise<Trimap> {
  const { width, height, samples } = await decode(path);
  const n = width * height;
  const data = new Uint8Array(n);
  if (samples instanceof Uint8Array) {
    for (let i = 0; i < n; i++) data[i] = samples[i * 3];
  } else {
    for (let i = 0; i < n; i++) {
      const value = samples[i * 3];
      data[i] = value === 0 ? 0 : value === 65535 ? 255 : 128;
    }
  }
  return { width, height, data };
}

/** A mask's first channel: 8-bit as stored, 16-bit as floats in [0, 1] so a soft mask keeps its half-way level. */
export async function readMask(path: string): Promise<AlphaMatte> {
  const { width, height, samples } = await decode(path);
  const n = width * height;
  const data = samples instanceof Uint8Array ? new Uint8Array(n) : new Float32Array(n);
  const scale = samples instanceof Uint8Array ? 1 : 1 / 65535;
  for (let i = 0; i < n; i++) data[i] = samples[i * 3] * scale;
  return { width, height, data };
}

/** Encodes 8-bit interleaved samples as a PNG: 1 channel grey, 3 RGB, 4 RGBA, or 4 written as RGB when `opaque`. */
async function writePng(path: string, samples: Uint8Array | Uint8ClampedArray, width: number, height: number, channels: 1 | 3 | 4, opaque = false) {
  let encoder = sharp(samples, { raw: { width, height, channels } });
  if (channels === 1) encoder = encoder.toColourspace("b-w");
  if (opaque) encoder = encoder.removeAlpha();
  const png = await encoder.png().toBuffer();
  try {
    await writeFile(path, png);
  } catch (cause) {
    throw new MattingError("WRITE_FAILED", `cannot write: ${systemReason(cause)}`, { file: path }, { cause });
  }
}

/** Values in [0, 1] as 8-bit samples, rounded to the nearest level. */
function toBytes(values: Float32Array): Uint8Array {
  const bytes = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) bytes[i] = Math.round(values[i] * 255);
  return bytes;
}

/** Writes alpha in [0, 1] as an 8-bit one-channel PNG. */
export function writeAlpha(path: string, alpha: Float32Array, width: number, height: number): Promise<void> {
  return writePng(path, toBytes(alpha), width, height, 1);
}

/** Writes RGB colours in [0, 1] as an 8-bit RGB PNG. */
export function writeColours(path: string, rgb: Float32Array, width: number, height: number): Promise<void> {
  return writePng(path, toBytes(rgb), width, height, 3);
}

/** Writes an 8-bit one-channel trimap (0, 128, 255) as a grey PNG. */
export function writeTrimap(path: string, trimap: Uint8Array, width: number, height: number): Promise<void> {
  return writePng(path, trimap, width, height, 1);
}

/** Writes 8-bit RGBA as an RGBA PNG, or as an RGB one when the image is opaque (a composite). */
export function writeRgba(path: string, rgba: Uint8ClampedArray, width: number, height: number, opaque: boolean): Promise<void> {
  return writePng(path, rgba, width, height, 4, opaque);
}
