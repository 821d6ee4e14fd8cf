// Whether a photo's outputs are already complete, so that a rerun may skip it. The batch writes every output to a
// temporary file and renames it into place (commit.ts), so an output that exists was written in full by a run
// that finished that photo; files from elsewhere (a copy cut short, an older version of the photo) are caught by
// checking each is a PNG of the photo's size that ends with its IEND chunk, and is newer than every input.
import { type FileHandle, open, stat } from "node:fs/promises";
import type { Outputs } from "./args.js";
import type { PhotoTask } from "./batch-inputs.js";

type Images = typeof import("./images.js");

const PNG_SIGNATURE = Buffer.of(137, 80, 78, 71, 13, 10, 26, 10);
/** The last 12 bytes of every complete PNG: the empty IEND chunk (length 0, type, CRC-32 of "IEND"). */
const PNG_END = Buffer.of(0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82);
/** Signature, IHDR's length and type, width and height. */
const HEAD_BYTES = 24;

/** Whether the file is a PNG of width x height pixels that ends with IEND. */
async function isCompletePng(path: string, width: number, height: number): Promise<boolean> {
  let file: FileHandle | undefined;
  try {
    file = await open(path, "r");
    const { size } = await file.stat();
    if (size < HEAD_BYTES + PNG_END.length) return false;
    const head = Buffer.alloc(HEAD_BYTES);
    const tail = Buffer.alloc(PNG_END.length);
    await file.read(head, 0, HEAD_BYTES, 0);
    await file.read(tail, 0, PNG_END.length, size - PNG_END.length);
    return head.subarray(0, 8).equals(PNG_SIGNATURE) && head.toString("latin1", 12, 16) === "IHDR" &&
      head.readUInt32BE(16) === width && head.readUInt32BE(20) === height && tail.equals(PNG_END);
  } catch {
    return false;
  } finally {
    await file?.close();
  }
}

/** The newest modification time of the task's inputs, or undefined when one cannot be looked at. */
async function newestInput(task: PhotoTask): Promise<number | undefined> {
  const paths = [task.photo, task.plane!.path, ...(task.background?.kind === "image" ? [task.background.path] : [])];
  const times = await Promise.all(paths.map((path) => stat(path).then((s) => s.mtimeMs, () => undefined)));
  return times.some((t) => t === undefined) ? undefined : Math.max(...(times as number[]));
}

/** Whether every output of the task is complete and newer than its inputs; false whenever in doubt. */
export async function outputsComplete(task: PhotoTask, images: Images, maxPixels: number): Promise<boolean> {
  if (task.problem !== undefined || task.plane === undefined) return false;
  const paths = Object.values(task.outputs as Outputs) as string[];
  const outputs = await Promise.all(paths.map((path) => stat(path).catch(() => undefined)));
  if (outputs.some((s) => s === undefined || !s.isFile())) return false;
  const inputTime = await newestInput(task);
  if (inputTime === undefined || outputs.some((s) => s!.mtimeMs < inputTime)) return false;
  let width: number, height: number;
  try {
    ({ width, height } = await images.readHeader(task.photo, maxPixels));
  } catch {
    return false;
  }
  const complete = await Promise.all(paths.map((path) => isCompletePng(path, width, height)));
  return complete.every(Boolean);
}
