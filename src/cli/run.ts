// One run of the command: read the inputs, build the trimap from a mask if asked, matte, write every
// requested output, and report. Errors are thrown as MattingError for main.ts to print.
import {
  ALPHA_DEFAULTS, type AlphaMatte, type AlphaStats, type Matting, MattingError, type RGBImage, type Trimap, type TrimapStats, createMatting,
} from "../entry/node.js";
import type { Outputs, RunCommand } from "./args.js";
import { progressDisplay } from "./progress.js";

type Images = typeof import("./images.js");

interface Inputs {
  image: RGBImage;
  trimap?: Trimap;
  mask?: AlphaMatte;
  background?: RGBImage;
}

/**
 * Reads every input at once; when several fail, the first in command-line order is the one reported.
 * A mask or background image of another size fails here, before the (long) solve.
 */
async function readInputs(command: RunCommand, images: Images): Promise<Inputs> {
  const { trimap, background } = command;
  const [image, trimapOrMask, backgroundImage] = await Promise.allSettled([
    images.readImage(command.image),
    trimap.kind === "file" ? images.readTrimap(trimap.path) : images.readMask(trimap.path),
    background?.kind === "image" ? images.readImage(background.path) : Promise.resolve(undefined),
  ]);
  for (const settled of [image, trimapOrMask, backgroundImage]) if (settled.status === "rejected") throw settled.reason;
  const value = <T>(settled: PromiseSettledResult<T>) => (settled as PromiseFulfilledResult<T>).value;
  const photo = value(image);
  const plane = value(trimapOrMask);
  if (trimap.kind === "mask") checkSameSize("mask", trimap.path, plane, photo);
  const behind = value(backgroundImage);
  if (behind && background?.kind === "image") checkSameSize("background", background.path, behind, photo);
  return { image: photo, ...(trimap.kind === "file" ? { trimap: plane } : { mask: plane }), background: behind };
}

function checkSameSize(what: string, path: string, other: { width: number; height: number }, image: RGBImage): void {
  if (other.width === image.width && other.height === image.height) return;
  throw new MattingError(
    "SIZE_MISMATCH",
    `${what} is ${other.width}x${other.height} but the image is ${image.width}x${image.height}`,
    { file: path, width: other.width, height: other.height, imageWidth: image.width, imageHeight: image.height },
  );
}

interface Computed {
  trimap: Trimap;
  trimapStats?: TrimapStats;
  alpha?: Float32Array;
  foreground?: Float32Array;
  stats?: AlphaStats;
}

/** Alpha only when alpha is all that is written; matte() (one progress stream) when colours are needed too. */
async function compute(
  matting: Matting, command: RunCommand, inputs: Inputs, signal: AbortSignal, onProgress: ReturnType<typeof progressDisplay>["onProgress"],
): Promise<Computed> {
  const { outputs, trimap: source } = command;
  let computed: Computed;
  if (source.kind === "mask") {
    const trimap = await matting.trimapFromMask(inputs.mask!, { foreground: source.band, background: source.band });
    computed = { trimap, trimapStats: await matting.trimapStats(trimap) };
  } else {
    computed = { trimap: inputs.trimap! };
  }
  const needsColours = outputs.foreground !== undefined || outputs.cutout !== undefined || outputs.composite !== undefined;
  const options = { ...command.alphaOptions, onProgress, signal };
  if (needsColours) {
    const result = await matting.matte(inputs.image, computed.trimap, options);
    return { ...computed, alpha: result.alpha, foreground: result.foreground, stats: result.stats };
  }
  if (outputs.alpha !== undefined) {
    const result = await matting.estimateAlpha(inputs.image, computed.trimap, options);
    return { ...computed, alpha: result.alpha, stats: result.stats };
  }
  return computed;
}

/** Writes every requested output at once; the first failure in command-line order is the one reported. */
async function writeOutputs(matting: Matting, command: RunCommand, inputs: Inputs, computed: Computed, images: Images): Promise<void> {
  const { outputs, background } = command;
  const { width, height } = inputs.image;
  const { alpha, foreground } = computed;
  const colours = foreground && { width, height, data: foreground };
  const writes: Promise<void>[] = [];
  if (outputs.alpha !== undefined) writes.push(images.writeAlpha(outputs.alpha, alpha!, width, height));
  if (outputs.foreground !== undefined) writes.push(images.writeColours(outputs.foreground, foreground!, width, height));
  if (outputs.cutout !== undefined) {
    const path = outputs.cutout;
    writes.push(matting.cutout(colours!, alpha!).then((rgba) => images.writeRgba(path, rgba.data, width, height, false)));
  }
  if (outputs.composite !== undefined) {
    const path = outputs.composite;
    const behind = background!.kind === "colour" ? background!.rgb : inputs.background!;
    writes.push(matting.composite(colours!, alpha!, behind).then((rgba) => images.writeRgba(path, rgba.data, width, height, true)));
  }
  if (outputs.trimapOut !== undefined) writes.push(images.writeTrimap(outputs.trimapOut, computed.trimap.data as Uint8Array, width, height));
  for (const settled of await Promise.allSettled(writes)) if (settled.status === "rejected") throw settled.reason;
}

function summary(outputs: Outputs, inputs: Inputs, computed: Computed): string {
  const files = Object.values(outputs).join(", ");
  const { stats } = computed;
  if (stats === undefined) {
    return `${files}: ${inputs.image.width}x${inputs.image.height} trimap, ${computed.trimapStats!.unknown} unknown pixels\n`;
  }
  const seconds = (stats.milliseconds.total / 1000).toFixed(2);
  return `${files}: ${stats.width}x${stats.height} alpha, ${stats.unknownPixels} unknown pixels, ` +
    `${stats.iterations} iterations to residual ${stats.residual.toExponential(1)}, ${seconds} s\n`;
}

export async function run(command: RunCommand, signal: AbortSignal): Promise<void> {
  const display = progressDisplay(process.stderr.isTTY === true && !command.json && !command.quiet);
  let matting: Matting | undefined;
  try {
    // Loaded here, not at the top: sharp takes longer to load than --help or a usage error take to answer.
    const images = await import("./images.js");
    const inputs = await readInputs(command, images);
    matting = await createMatting({ threads: command.threads });
    const computed = await compute(matting, command, inputs, signal, display.onProgress);
    display.stop();
    signal.throwIfAborted(); // Ctrl-C after the last solver slice still means: write nothing
    await writeOutputs(matting, command, inputs, computed, images);

    // Closed-form's defaults only when it ran; every method's solver stops at the same default tolerance.
    const closedForm = (command.alphaOptions.method ?? "cf") === "cf";
    const options = { tolerance: ALPHA_DEFAULTS.tolerance, ...(closedForm ? ALPHA_DEFAULTS : {}), ...command.alphaOptions };
    const { stats } = computed;
    if (command.json) {
      const { trimap, background } = command;
      const report = {
        image: command.image,
        ...(trimap.kind === "file" ? { trimap: trimap.path } : { mask: trimap.path, band: trimap.band, trimapStats: computed.trimapStats }),
        ...(background === undefined ? {} : { background: background.kind === "colour" ? background.rgb : background.path }),
        outputs: command.outputs,
        ...(stats === undefined ? {} : { options: { ...options, threads: command.threads }, stats }),
      };
      process.stdout.write(`${JSON.stringify(report)}\n`);
    } else if (!command.quiet) {
      process.stdout.write(summary(command.outputs, inputs, computed));
    }
    if (stats && !stats.converged && !command.quiet) {
      process.stderr.write(
        `matting: warning: the solver stopped after ${stats.iterations} iterations at residual ` +
        `${stats.residual.toExponential(2)} (tolerance ${options.tolerance}); the matte is its best estimate\n`,
      );
    }
  } finally {
    display.stop();
    matting?.close();
  }
}
