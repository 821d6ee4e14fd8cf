// `matting frames`: the frames of a video matted in order by matteSequence (src/sequence.ts), each solve warm-
// started from the previous frame's solution, each alpha written atomically (commit.ts) as soon as it is done.
// Ctrl-C stops between solver slices: the frames written so far are complete, the one under way is not written.
import { mkdir, readdir } from "node:fs/promises";
import { extname, join, parse } from "node:path";
import cliProgress from "cli-progress";
import { MattingError, type AlphaMatte, type Matting, type RGBImage, type Trimap, createMatting, matteSequence } from "../entry/node.js";
import type { SequenceFrame, SequenceProgress } from "../sequence.js";
import { UsageError } from "./args.js";
import { OutputCommit } from "./commit.js";
import { FRAMES_HELP, type FramesCommand, parseFramesCommand } from "./frames-args.js";
import { realTarget } from "./paths.js";
import { systemReason } from "./reasons.js";
import { STOPS, stopStatus, watchStops } from "./stops.js";

/** File extensions read as frames, trimaps and masks (what sharp decodes). */
const IMAGE_EXTENSIONS = new Set([".png", ".jpg", ".jpeg", ".webp", ".tif", ".tiff", ".avif", ".gif"]);
/** Natural order: digit runs compare as numbers, so frame2 comes before frame10. */
const naturalOrder = new Intl.Collator("en", { numeric: true, sensitivity: "variant" }).compare;

/** The image files of a folder by stem, in natural order; two files of one stem are refused (which is meant?). */
export async function imagesByStem(dir: string): Promise<Map<string, string>> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (cause) {
    throw new MattingError("READ_FAILED", `cannot read the folder: ${systemReason(cause)}`, { file: dir }, { cause });
  }
  const byStem = new Map<string, string>();
  for (const name of names.filter((n) => !n.startsWith(".") && IMAGE_EXTENSIONS.has(extname(n).toLowerCase())).sort(naturalOrder)) {
    const stem = parse(name).name;
    const other = byStem.get(stem);
    if (other !== undefined) throw new MattingError("READ_FAILED", `two images share the name ${stem}: ${other} and ${join(dir, name)}`, { file: join(dir, name) });
    byStem.set(stem, join(dir, name));
  }
  return byStem;
}

interface Frame {
  stem: string;
  image: string;
  trimap: string;
}

/** Each frame with its trimap or mask file; a frame without one is READ_FAILED before anything is matted. */
async function pairFrames(command: FramesCommand): Promise<Frame[]> {
  const frames = await imagesByStem(command.frames);
  if (frames.size === 0) throw new MattingError("READ_FAILED", "no image files in the folder", { file: command.frames });
  const companions = await imagesByStem(command.source.dir);
  const what = command.source.kind === "trimaps" ? "trimap" : "mask";
  return [...frames].map(([stem, image]) => {
    const trimap = companions.get(stem);
    if (trimap === undefined) throw new MattingError("READ_FAILED", `no ${what} named ${stem}.* in ${command.source.dir}`, { file: image });
    return { stem, image, trimap };
  });
}

/** The frames decoded one at a time, as the sequence asks for them. */
async function* decodedFrames(frames: Frame[], command: FramesCommand, images: typeof import("./images.js")): AsyncGenerator<SequenceFrame> {
  for (const frame of frames) {
    const image: RGBImage = await images.readImage(await images.readHeader(frame.image, command.maxPixels), command.maxPixels);
    const header = await images.readHeader(frame.trimap, command.maxPixels);
    if (command.source.kind === "trimaps") {
      const trimap: Trimap = await images.readTrimap(header, command.maxPixels);
      yield { image, trimap };
    } else {
      const mask: AlphaMatte = await images.readMask(header, command.maxPixels);
      yield { image, mask };
    }
  }
}

function progressBar(enabled: boolean, total: number) {
  if (!enabled) return { update(_: number, __: string) {}, stop() {} };
  const bar = new cliProgress.SingleBar({
    stream: process.stderr, format: "frames {bar} {value}/{total} | {timing} | {detail}", barsize: 30, hideCursor: true,
    clearOnComplete: true, fps: 10,
  }, cliProgress.Presets.shades_classic);
  const started = performance.now();
  // The rate and ETA from the frames done so far: cli-progress's own ETA goes to infinity between two frames.
  const timing = (done: number) => {
    if (done === 0) return "first frame";
    const seconds = (performance.now() - started) / 1000;
    return `${(done / seconds).toFixed(2)} frames/s, ${Math.round((seconds / done) * (total - done))} s left`;
  };
  bar.start(total, 0, { detail: "", timing: timing(0) });
  let stopped = false;
  return {
    update(done: number, detail: string) {
      if (!stopped) bar.update(done, { detail, timing: timing(done) });
    },
    stop() {
      if (!stopped) bar.stop();
      stopped = true;
    },
  };
}

function detail(stem: string, progress: SequenceProgress): string {
  if (progress.phase !== "solve") return `${stem}: building the system`;
  return `${stem}: iteration ${progress.iteration ?? 0}${progress.residual === undefined ? "" : `, residual ${progress.residual.toExponential(1)}`}`;
}

async function run(command: FramesCommand, signal: AbortSignal, commit: OutputCommit, beforeExitNow: (() => void)[]): Promise<void> {
  const frames = await pairFrames(command);
  try {
    await mkdir(command.out, { recursive: true });
  } catch (cause) {
    throw new MattingError("WRITE_FAILED", `cannot create the folder: ${systemReason(cause)}`, { file: command.out }, { cause });
  }
  const images = await import("./images.js");
  const bar = progressBar(process.stderr.isTTY === true && !command.json && !command.quiet, frames.length);
  beforeExitNow.push(() => bar.stop());
  let matting: Matting | undefined;
  const started = performance.now();
  let iterations = 0, warmStarted = 0;
  try {
    matting = await createMatting({ threads: command.threads });
    const sequence = matteSequence(matting, decodedFrames(frames, command, images), {
      ...command.alphaOptions, warmStart: command.warmStart, signal,
      ...(command.source.kind === "masks" ? { band: command.source.band } : {}),
      onProgress: (progress) => bar.update(progress.frame, detail(frames[progress.frame].stem, progress)),
    });
    for await (const result of sequence) {
      const frame = frames[result.index];
      const path = join(command.out, `${frame.stem}.png`);
      const { width, height } = result.stats;
      const bytes = await images.encodeAlpha(result.alpha, width, height);
      await commit.writeAll([{ path, target: await realTarget(path), bytes }], signal);
      iterations += result.stats.iterations;
      warmStarted += result.warmStarted ? 1 : 0;
      bar.update(result.index + 1, `${frame.stem}: ${result.stats.iterations} iterations`);
      if (command.json) {
        const source = command.source.kind === "trimaps" ? { trimap: frame.trimap } : { mask: frame.trimap };
        process.stdout.write(`${JSON.stringify({ frame: frame.image, ...source, alpha: path, warmStarted: result.warmStarted, stats: result.stats })}\n`);
      }
    }
  } catch (error) {
    // A frame's error names the frame's file (the sequence gives its index).
    if (error instanceof MattingError && typeof error.details.frame === "number" && error.details.file === undefined && error.code !== "INVALID_OPTION") {
      throw new MattingError(error.code, error.message.replace(/^frame \d+: /, ""), { ...error.details, file: frames[error.details.frame].image }, { cause: error });
    }
    throw error;
  } finally {
    bar.stop();
    matting?.close();
  }
  const seconds = (performance.now() - started) / 1000;
  if (command.json) {
    process.stdout.write(`${JSON.stringify({ summary: { frames: frames.length, out: command.out, iterations, warmStarted, seconds } })}\n`);
  } else if (!command.quiet) {
    process.stdout.write(`${frames.length} frames -> ${command.out}: ${iterations} iterations in all (${warmStarted} frames warm-started), ${seconds.toFixed(2)} s\n`);
  }
}

function fail(subject: string | undefined, message: string): void {
  process.stderr.write(`matting: ${subject === undefined ? "" : `${subject}: `}${message.replace(/\s*\n\s*/g, "; ").trim()}\n`);
}

/** Runs `matting frames ARGS`; returns the exit status (0 done, 1 failed, 2 usage, 128 + signal when stopped). */
export async function framesMain(argv: readonly string[]): Promise<number> {
  let command: FramesCommand;
  try {
    const parsed = parseFramesCommand(argv);
    if (parsed.kind === "help") {
      process.stdout.write(FRAMES_HELP);
      return 0;
    }
    command = parsed;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    fail(undefined, `${error.message} (see matting frames --help)`);
    return 2;
  }
  const commit = new OutputCommit();
  const beforeExitNow = [() => commit.discard()];
  const stops = watchStops(beforeExitNow, (message) => fail(undefined, message));
  try {
    await run(command, stops.signal, commit, beforeExitNow);
    return 0;
  } catch (error) {
    if (stops.stoppedBy !== undefined) {
      fail(undefined, STOPS[stops.stoppedBy]);
      return stopStatus(stops.stoppedBy);
    }
    if (!(error instanceof MattingError)) {
      fail(undefined, `internal error: ${error instanceof Error ? error.message : String(error)}`);
      return 1;
    }
    const { file, option } = error.details as { file?: string; option?: string };
    if (error.code === "INVALID_OPTION" && option !== undefined) {
      const flag = `--${option.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
      fail(flag, `${error.message.replace(/^(frame \d+: )?option \w+ /, "")} (${error.code})`);
    } else {
      fail(file, `${error.message} (${error.code})`);
    }
    return error.code === "INVALID_OPTION" ? 2 : 1;
  } finally {
    stops.release();
  }
}
