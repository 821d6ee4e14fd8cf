// The batch's work: each photo goes the single command's way (readInputs, compute, encodeOutputs, an all-or-none
// commit), with the pool's workers in place of one engine, so its files are the same bytes. A few more photos than
// workers are in hand at once, so that decoding and encoding overlap the solves while memory stays flat.
import { MattingError, type MattePool } from "../entry/node.js";
import type { RunCommand } from "./args.js";
import type { BatchCommand } from "./batch-args.js";
import { outputsComplete } from "./batch-complete.js";
import type { PhotoTask } from "./batch-inputs.js";
import type { BatchReport, PhotoError, PhotoResult } from "./batch-report.js";
import { type OutputCommit, type OutputFile } from "./commit.js";
import { readInputs } from "./inputs.js";
import { realTarget } from "./paths.js";
import { compute, encodeOutputs } from "./run.js";

type Images = typeof import("./images.js");

export interface BatchContext {
  command: BatchCommand;
  pool: MattePool;
  images: Images;
  /** Aborted by Ctrl-C or SIGTERM: no further photo is started and those in hand write nothing. */
  signal: AbortSignal;
  /** A new all-or-none writer for a photo; the batch's caller keeps them to discard their temporaries on a second signal. */
  newCommit(): OutputCommit;
  endCommit(commit: OutputCommit): void;
  report: BatchReport;
}

/** The single command's description of one photo, for readInputs, compute and encodeOutputs. */
function runCommand(task: PhotoTask, command: BatchCommand): RunCommand {
  return {
    kind: "run",
    image: task.photo,
    trimap: task.plane!,
    ...(task.background && task.outputs.composite !== undefined ? { background: task.background } : {}),
    outputs: task.outputs,
    alphaOptions: command.alphaOptions,
    threads: command.threads,
    maxPixels: command.maxPixels,
    json: command.json,
    quiet: command.quiet,
  };
}

function photoError(error: unknown, task: PhotoTask): PhotoError {
  if (!(error instanceof MattingError)) return { code: "INTERNAL", message: error instanceof Error ? error.message : String(error) };
  const { file } = error.details as { file?: string };
  // The library's complaints about the trimap's labels are the trimap's (or the mask's) doing.
  const planeFault = error.code === "NO_FOREGROUND" || error.code === "NO_BACKGROUND";
  const about = file ?? (planeFault ? task.plane?.path : undefined);
  return { code: error.code, message: error.message, ...(about === undefined ? {} : { file: about }) };
}

/** One photo, start to finish; undefined when the batch was stopped before it finished. */
async function processPhoto(task: PhotoTask, context: BatchContext): Promise<PhotoResult | undefined> {
  const { command, pool, images, signal } = context;
  if (task.problem) return { status: "failed", task, error: { code: task.problem.code, message: task.problem.message } };
  if (!command.force && await outputsComplete(task, images, command.maxPixels)) return { status: "skipped", task };
  const run = runCommand(task, command);
  const commit = context.newCommit();
  try {
    const mattes = Object.keys(task.outputs).some((key) => key !== "trimapOut");
    const inputs = await readInputs(run, images, mattes);
    signal.throwIfAborted();
    const computed = await compute(pool, run, inputs, signal);
    signal.throwIfAborted();
    const encoded = await encodeOutputs(pool, run, inputs, computed, images);
    const files: OutputFile[] = await Promise.all([...encoded].map(async ([key, bytes]) => {
      const path = task.outputs[key]!;
      return { path, target: await realTarget(path), bytes };
    }));
    await commit.writeAll(files, signal);
    return {
      status: "done", task, warnings: inputs.warnings,
      ...(computed.stats ? { stats: computed.stats } : {}), ...(computed.trimapStats ? { trimapStats: computed.trimapStats } : {}),
    };
  } catch (error) {
    if (signal.aborted) return undefined;
    return { status: "failed", task, error: photoError(error, task) };
  } finally {
    context.endCommit(commit);
  }
}

/** Runs every task, `jobs` times two in hand at once, reporting each as it ends; stops starting new ones on abort. */
export async function runTasks(tasks: readonly PhotoTask[], context: BatchContext): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < tasks.length && !context.signal.aborted) {
      const result = await processPhoto(tasks[next++], context);
      if (result) context.report.add(result);
    }
  };
  await Promise.all(Array.from({ length: Math.min(tasks.length, 2 * context.command.jobs) }, lane));
}
