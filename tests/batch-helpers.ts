// Shared by the batch tests: generated folders of small photos with their trimaps and masks, and the JSON lines
// of `matting batch --json`.
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "vitest";
import { lines, raw, scene } from "./cli-helpers.js";

export interface PhotoLine {
  photo: string;
  trimap?: string;
  mask?: string;
  outputs: Record<string, string>;
  status: "done" | "skipped" | "failed";
  error?: { code: string; message: string; file?: string };
  stats?: { width: number; height: number; converged: boolean };
}

export interface Summary {
  photos: number;
  done: number;
  skipped: number;
  failed: number;
  shard: string;
  stoppedBy?: string;
}

/** The photo lines (by photo file name) and the summary of --json output; every line must be JSON. */
export function parseJsonLines(stdout: string): { photos: Map<string, PhotoLine>; summary: Summary } {
  const parsed = lines(stdout).map((line) => JSON.parse(line) as PhotoLine | { summary: Summary });
  const summaries = parsed.filter((line): line is { summary: Summary } => "summary" in line);
  expect(summaries).toHaveLength(1);
  expect(parsed.at(-1)).toBe(summaries[0]);
  const photos = new Map<string, PhotoLine>();
  for (const line of parsed.slice(0, -1) as PhotoLine[]) {
    const name = line.photo.split("/").at(-1)!;
    expect(photos.has(name)).toBe(false);
    photos.set(name, line);
  }
  return { photos, summary: summaries[0].summary };
}

export const statuses = (photos: Map<string, PhotoLine>) => Object.fromEntries([...photos].map(([name, line]) => [name, line.error?.code ?? line.status]));

/**
 * `count` photos named p00.png, p01.png, ... of slightly different sizes (so a mix-up shows), with trimaps of the
 * same stems in `trimaps` and binary masks in `masks`.
 */
export async function writePhotos(root: string, count: number): Promise<{ photos: string; trimaps: string; masks: string; names: string[] }> {
  const photos = join(root, "photos"), trimaps = join(root, "trimaps"), masks = join(root, "masks");
  await Promise.all([photos, trimaps, masks].map((dir) => mkdir(dir, { recursive: true })));
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    const width = 28 + (i % 5) * 2, height = 20 + (i % 3) * 2;
    const pic = scene(width, height);
    const stem = `p${String(i).padStart(2, "0")}`;
    names.push(`${stem}.png`);
    const mask = pic.trimap.map((v, j) => ((j % width) < width * 0.5 ? 255 : 0));
    await Promise.all([
      raw(pic.rgb, width, height, 3).png().toFile(join(photos, `${stem}.png`)),
      raw(pic.trimap, width, height, 1).toColourspace("b-w").png().toFile(join(trimaps, `${stem}.png`)),
      raw(mask, width, height, 1).toColourspace("b-w").png().toFile(join(masks, `${stem}.png`)),
    ]);
  }
  return { photos, trimaps, masks, names };
}

/** A photo that is no image at all, with a trimap so only the photo is at fault. */
export async function writeCorrupt(photos: string, trimaps: string, stem: string): Promise<void> {
  await writeFile(join(photos, `${stem}.png`), Buffer.from("\x89PNG\r\n\x1a\n this is not a PNG"));
  await raw(new Uint8Array(28 * 20).fill(128), 28, 20, 1).toColourspace("b-w").png().toFile(join(trimaps, `${stem}.png`));
}
