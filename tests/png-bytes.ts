// PNG files built byte by byte (signature, chunks with their CRCs), for inputs no encoder would write:
// decompression bombs, headers that lie about their pixels, truncated and invalid headers.
import { once } from "node:events";
import { crc32, createDeflate, deflateSync } from "node:zlib";

export interface PngHeaderFields {
  width: number;
  height: number;
  bitDepth: number;
  colourType: number;
  interlace?: number;
}

const SIGNATURE = Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]);

function chunk(type: string, data: Uint8Array): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typed = Buffer.concat([Buffer.from(type, "latin1"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typed));
  return Buffer.concat([length, typed, crc]);
}

export function ihdr({ width, height, bitDepth, colourType, interlace = 0 }: PngHeaderFields): Buffer {
  const data = Buffer.alloc(13);
  data.writeUInt32BE(width, 0);
  data.writeUInt32BE(height, 4);
  data.set([bitDepth, colourType, 0, 0, interlace], 8);
  return chunk("IHDR", data);
}

function pngWithDeflated(header: PngHeaderFields, deflated: Uint8Array): Buffer {
  return Buffer.concat([SIGNATURE, ihdr(header), chunk("IDAT", deflated), chunk("IEND", new Uint8Array(0))]);
}

/** A PNG of the given header whose image data is `inflated` (filter bytes included), deflated. */
export function pngWithData(header: PngHeaderFields, inflated: Uint8Array): Buffer {
  return pngWithDeflated(header, deflateSync(inflated, { level: 9 }));
}

/**
 * An 8-bit grey PNG of width x height, all black, deflated row by row so that its pixels are never held
 * (16383x16383: 268 MB of rows in about 260 KB of file, the decompression bomb of issue 9).
 */
export async function blackGreyPng(width: number, height: number): Promise<Buffer> {
  const deflate = createDeflate({ level: 9 });
  const parts: Buffer[] = [];
  deflate.on("data", (part: Buffer) => parts.push(part));
  const ended = once(deflate, "end");
  const row = Buffer.alloc(1 + width);
  for (let y = 0; y < height; y++) if (!deflate.write(row)) await once(deflate, "drain");
  deflate.end();
  await ended;
  return pngWithDeflated({ width, height, bitDepth: 8, colourType: 0 }, Buffer.concat(parts));
}

/**
 * A 1-bit grey PNG of width x height, all black: every row is a filter byte and ceil(width / 8) zero bytes,
 * which deflate about 1000 to 1 (16383x16383: 33 MB of rows, about 33 KB of file, 268 Mpx).
 */
export function blackBitmapPng(width: number, height: number): Buffer {
  return pngWithData({ width, height, bitDepth: 1, colourType: 0 }, new Uint8Array(height * (1 + Math.ceil(width / 8))));
}

/** The signature and an 8-bit grey IHDR of width x height, and nothing after them. */
export function ihdrPng(width: number, height: number): Buffer {
  return Buffer.concat([SIGNATURE, ihdr({ width, height, bitDepth: 8, colourType: 0 })]);
}

export { SIGNATURE as PNG_SIGNATURE };
