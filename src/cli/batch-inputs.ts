// What a batch does: one task per photo (its trimap or mask, background and output paths), from folders matched
// by file stem or from a manifest, sorted, then cut to this run's shard. Mistakes in the command's folders or in
// the manifest are usage errors, found before any photo is read; a photo whose trimap is missing is a task that
// fails on its own.
import { mkdir, readFile, readdir, stat } from "node:fs/promises";
import { basename, dirname, extname, resolve } from "node:path";
import { type BackgroundSource, type Outputs, type TrimapSource, UsageError } from "./args.js";
import type { BatchCommand, OutputFolders, Shard } from "./batch-args.js";
import { OUTPUT_FOLDER_FLAGS } from "./batch-args.js";
import { COLOUR_FORMS, parseColour } from "./colours.js";
import { realTarget } from "./paths.js";
import { systemReason } from "./reasons.js";

/** A problem of one photo known before it is read; the batch reports it and goes on. */
export interface TaskProblem {
  code: "MISSING_TRIMAP" | "MISSING_MASK" | "MISSING_BACKGROUND" | "AMBIGUOUS_STEM";
  message: string;
}

export interface PhotoTask {
  /** What the shard is chosen by: the stem in a folder, the photo and trimap (or mask) paths in a manifest. */
  key: string;
  photo: string;
  plane?: TrimapSource;
  background?: BackgroundSource;
  outputs: Outputs;
  problem?: TaskProblem;
}

/** The extensions of the files a photos, trimaps, masks or backgrounds folder offers (any case). */
export const IMAGE_EXTENSIONS = [".png", ".jpg", ".jpeg", ".webp", ".tif", ".tiff", ".avif", ".gif"];

const stemOf = (name: string) => basename(name, extname(name));

/** FNV-1a, 32 bit, of the UTF-8 bytes of `text` (Fowler, Noll, Vo): the same on every machine and run. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(text, "utf8")) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  return hash;
}

/** Whether a task with this key is in `shard`: its hash modulo the shard count is the shard's index less one. */
export const inShard = (key: string, shard: Shard) => fnv1a(key) % shard.count === shard.index - 1;

/** The image files of a folder by stem, each list and the stems in code-unit order. */
async function imagesByStem(dir: string, role: string): Promise<Map<string, string[]>> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (cause) {
    throw new UsageError(`${role} '${dir}' cannot be listed: ${systemReason(cause)}`);
  }
  const names = entries
    .filter((entry) => !entry.name.startsWith(".") && !entry.isDirectory() && IMAGE_EXTENSIONS.includes(extname(entry.name).toLowerCase()))
    .map((entry) => entry.name)
    .sort();
  const byStem = new Map<string, string[]>();
  for (const name of names) byStem.set(stemOf(name), [...(byStem.get(stemOf(name)) ?? []), name]);
  return byStem;
}

/** The one file of `stem` in a folder listing, or the problem with it. */
function matchStem(byStem: Map<string, string[]>, dir: string, stem: string, what: "trimap" | "mask" | "background"): string | TaskProblem {
  const names = byStem.get(stem) ?? [];
  if (names.length === 1) return resolve(dir, names[0]);
  if (names.length === 0) {
    const code = what === "trimap" ? "MISSING_TRIMAP" : what === "mask" ? "MISSING_MASK" : "MISSING_BACKGROUND";
    return { code, message: `no ${what} named ${stem}.* in ${dir}` };
  }
  return { code: "AMBIGUOUS_STEM", message: `${names.length} files could be its ${what} in ${dir}: ${names.join(", ")}` };
}

/** A --background path: one image for every photo, or a folder of them by stem. */
async function backgroundKind(background: BackgroundSource | undefined): Promise<"colour" | "file" | "folder" | undefined> {
  if (background === undefined) return undefined;
  if (background.kind === "colour") return "colour";
  const stats = await stat(background.path).catch(() => undefined);
  if (stats === undefined) throw new UsageError(`--background '${background.path}' is neither a colour (${COLOUR_FORMS}) nor an existing file or folder`);
  return stats.isDirectory() ? "folder" : "file";
}

const outputsIn = (folders: OutputFolders, stem: string): Outputs =>
  Object.fromEntries(Object.entries(folders).map(([key, dir]) => [key, resolve(dir, `${stem}.png`)]));

/** Refuses output folders that are an input folder or one another (their files would overwrite each other). */
async function checkFolders(command: BatchCommand, inputs: [string, string][]): Promise<void> {
  const outputs = (Object.entries(command.folders) as [keyof OutputFolders, string][]).map(([key, dir]) => [`--${OUTPUT_FOLDER_FLAGS[key]}`, dir]);
  const all = await Promise.all([...inputs, ...outputs].map(async ([role, dir]) => ({ role, dir, real: await realTarget(dir) })));
  for (const [j, output] of all.entries()) {
    if (j < inputs.length) continue;
    const i = all.findIndex((other) => other.real === output.real);
    if (i === j) continue;
    const what = i < inputs.length ? "an input folder: outputs would overwrite inputs" : "the same folder: outputs would overwrite each other";
    throw new UsageError(`${output.role} '${output.dir}' and ${all[i].role} '${all[i].dir}' are ${what}`);
  }
}

async function folderTasks(command: BatchCommand & { source: { kind: "folder" } }): Promise<PhotoTask[]> {
  const { photos, trimaps, planes } = command.source;
  const kind = await backgroundKind(command.background);
  const backgrounds = kind === "folder" ? command.background as { path: string } : undefined;
  const fixedBackground: BackgroundSource | undefined = kind === "colour" ? command.background
    : kind === "file" ? { kind: "image", path: resolve((command.background as { path: string }).path) } : undefined;
  await checkFolders(command, [["PHOTOS_DIR", photos], [`--${planes}s`, trimaps], ...(backgrounds ? [["--background", backgrounds.path] as [string, string]] : [])]);
  const [photoFiles, planeFiles, backgroundFiles] = await Promise.all([
    imagesByStem(photos, "PHOTOS_DIR"),
    imagesByStem(trimaps, `--${planes}s`),
    backgrounds ? imagesByStem(backgrounds.path, "--background") : undefined,
  ]);
  const tasks: PhotoTask[] = [];
  for (const [stem, names] of photoFiles) {
    const outputs = outputsIn(command.folders, stem);
    if (names.length > 1) {
      // Both would write <stem>.png: neither is matted, rather than one overwriting the other.
      const problem: TaskProblem = { code: "AMBIGUOUS_STEM", message: `photos ${names.join(", ")} share the stem ${stem}, so their outputs would be one file` };
      for (const name of names) tasks.push({ key: stem, photo: resolve(photos, name), outputs, problem });
      continue;
    }
    const task: PhotoTask = { key: stem, photo: resolve(photos, names[0]), outputs };
    const plane = matchStem(planeFiles, trimaps, stem, planes);
    const behind = backgroundFiles ? matchStem(backgroundFiles, backgrounds!.path, stem, "background") : undefined;
    if (typeof plane !== "string") task.problem = plane;
    else task.plane = planes === "trimap" ? { kind: "file", path: plane } : { kind: "mask", path: plane, band: command.band };
    if (behind !== undefined && typeof behind !== "string") task.problem ??= behind;
    else if (behind !== undefined) task.background = { kind: "image", path: behind };
    else if (fixedBackground !== undefined) task.background = fixedBackground;
    tasks.push(task);
  }
  return tasks;
}

const OUTPUT_KEYS = Object.keys(OUTPUT_FOLDER_FLAGS) as (keyof Outputs)[];

/** One manifest line as a task; `where` names the line in usage errors. */
function manifestTask(line: unknown, where: string, base: string, command: BatchCommand): PhotoTask {
  const fail = (problem: string) => new UsageError(`${where}: ${problem}`);
  if (typeof line !== "object" || line === null || Array.isArray(line)) throw fail("expected a JSON object");
  const entry = line as Record<string, unknown>;
  for (const key of Object.keys(entry)) {
    if (!["photo", "trimap", "mask", "band", "background", "outputs"].includes(key)) throw fail(`unknown field "${key}"`);
  }
  const text = (key: string) => {
    const value = entry[key];
    if (value !== undefined && (typeof value !== "string" || value === "")) throw fail(`"${key}" must be a non-empty string`);
    return value as string | undefined;
  };
  const photo = text("photo"), trimap = text("trimap"), mask = text("mask"), background = text("background");
  if (photo === undefined) throw fail('missing "photo"');
  if ((trimap === undefined) === (mask === undefined)) throw fail('give "trimap" or "mask" (one of them)');
  const band = entry.band ?? command.band;
  if (entry.band !== undefined && mask === undefined) throw fail('"band" applies to a "mask" only');
  if (typeof band !== "number" || !(band >= 0)) throw fail('"band" must be a number of pixels >= 0');

  let outputs: Outputs;
  if (entry.outputs === undefined) {
    if (Object.keys(command.folders).length === 0) throw fail('no "outputs", and no output folder (--out, --foreground, ...) to put them in');
    outputs = outputsIn(command.folders, stemOf(photo));
  } else {
    if (typeof entry.outputs !== "object" || entry.outputs === null || Array.isArray(entry.outputs)) throw fail('"outputs" must be an object');
    outputs = {};
    for (const [key, path] of Object.entries(entry.outputs)) {
      if (!OUTPUT_KEYS.includes(key as keyof Outputs)) throw fail(`unknown output "${key}" (expected ${OUTPUT_KEYS.join(", ")})`);
      if (typeof path !== "string" || !/\.png$/i.test(path)) throw fail(`output "${key}" must be a path ending in .png`);
      outputs[key as keyof Outputs] = resolve(base, path);
    }
    if (Object.keys(outputs).length === 0) throw fail('"outputs" names no output');
  }
  if (outputs.trimapOut !== undefined && mask === undefined) throw fail('output "trimapOut" saves a trimap built from a "mask"');
  let behind: BackgroundSource | undefined = command.background;
  if (background !== undefined) {
    const rgb = parseColour(background);
    behind = rgb ? { kind: "colour", rgb } : { kind: "image", path: resolve(base, background) };
  } else if (behind?.kind === "image") {
    behind = { kind: "image", path: resolve(behind.path) };
  }
  if (outputs.composite !== undefined && behind === undefined) throw fail('output "composite" needs a "background" (or --background)');
  const plane: TrimapSource = trimap !== undefined ? { kind: "file", path: resolve(base, trimap) } : { kind: "mask", path: resolve(base, mask!), band };
  return {
    key: `${photo}\n${trimap ?? mask}`,
    photo: resolve(base, photo),
    plane,
    ...(outputs.composite !== undefined && behind ? { background: behind } : {}),
    outputs,
  };
}

async function manifestTasks(command: BatchCommand & { source: { kind: "manifest" } }): Promise<PhotoTask[]> {
  const { path } = command.source;
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (cause) {
    throw new UsageError(`--manifest '${path}' cannot be read: ${systemReason(cause)}`);
  }
  const base = dirname(resolve(path));
  const tasks: PhotoTask[] = [];
  for (const [i, raw] of text.split("\n").entries()) {
    if (raw.trim() === "") continue;
    const where = `${path}:${i + 1}`;
    let line: unknown;
    try {
      line = JSON.parse(raw);
    } catch (error) {
      throw new UsageError(`${where}: not JSON (${(error as Error).message})`);
    }
    tasks.push(manifestTask(line, where, base, command));
  }
  // Two lines writing one file, or a line writing over an input, would lose work: refused before any is read.
  const writers = new Map<string, number>();
  const inputs = new Set(tasks.flatMap((task) => [task.photo, task.plane!.path, ...(task.background?.kind === "image" ? [task.background.path] : [])]));
  for (const [i, task] of tasks.entries()) {
    for (const output of Object.values(task.outputs) as string[]) {
      if (inputs.has(output)) throw new UsageError(`${path}: output ${output} is also an input`);
      if (writers.has(output)) throw new UsageError(`${path}: output ${output} is written by two lines (photos ${tasks[writers.get(output)!].photo} and ${task.photo})`);
      writers.set(output, i);
    }
  }
  return tasks;
}

/** Every task of the command, in order (photos sorted by name, or the manifest's lines), cut to its shard. */
export async function listTasks(command: BatchCommand): Promise<PhotoTask[]> {
  const source = command.source;
  const all = source.kind === "folder"
    ? await folderTasks(command as BatchCommand & { source: typeof source })
    : await manifestTasks(command as BatchCommand & { source: typeof source });
  return all.filter((task) => inShard(task.key, command.shard));
}

/** Makes every folder the tasks write into; WRITE_FAILED-worthy reasons come back as text. */
export async function makeOutputFolders(tasks: readonly PhotoTask[], folders: OutputFolders): Promise<void> {
  const dirs = new Set([...Object.values(folders).map((dir) => resolve(dir)), ...tasks.flatMap((task) => Object.values(task.outputs).map((path) => dirname(path)))]);
  for (const dir of dirs) await mkdir(dir, { recursive: true });
}
