#!/usr/bin/env node
// The `matting` command: read a photo and a trimap, estimate alpha, write it as a PNG.
// Every failure becomes one line on stderr, "matting: FILE: problem (CODE)", and a distinct exit status.
import { readFileSync } from "node:fs";
import { ALPHA_DEFAULTS, MattingError, estimateAlpha } from "../entry/node.js";
import { type RunCommand, UsageError, flagForOption, helpText, parseCommandLine } from "./args.js";
import { progressDisplay } from "./progress.js";

const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const;

function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
  return manifest.version;
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, "; ").trim();
}

/** Reads both inputs at once; when both fail, the image's error is the one reported. */
async function readInputs(command: RunCommand, { readImage, readTrimap }: typeof import("./images.js")) {
  const [image, trimap] = await Promise.allSettled([readImage(command.image), readTrimap(command.trimap)]);
  if (image.status === "rejected") throw image.reason;
  if (trimap.status === "rejected") throw trimap.reason;
  return { image: image.value, trimap: trimap.value };
}

async function run(command: RunCommand, signal: AbortSignal): Promise<void> {
  const display = progressDisplay(process.stderr.isTTY === true && !command.json && !command.quiet);
  try {
    // Loaded here, not at the top: sharp takes longer to load than --help or a usage error take to answer.
    const images = await import("./images.js");
    const { image, trimap } = await readInputs(command, images);
    const { alpha, stats } = await estimateAlpha(image, trimap, { ...command.alphaOptions, onProgress: display.onProgress, signal });
    display.stop();
    signal.throwIfAborted(); // Ctrl-C after the last solver slice still means: write nothing
    await images.writeAlpha(command.outputs.alpha, alpha, stats.width, stats.height);

    const options = { ...ALPHA_DEFAULTS, ...command.alphaOptions };
    if (command.json) {
      const report = { image: command.image, trimap: command.trimap, outputs: command.outputs, options, stats };
      process.stdout.write(`${JSON.stringify(report)}\n`);
    } else if (!command.quiet) {
      const seconds = (stats.milliseconds.total / 1000).toFixed(2);
      process.stdout.write(
        `${command.outputs.alpha}: ${stats.width}x${stats.height} alpha, ${stats.unknownPixels} unknown pixels, ` +
        `${stats.iterations} iterations to residual ${stats.residual.toExponential(1)}, ${seconds} s\n`,
      );
    }
    if (!stats.converged && !command.quiet) {
      process.stderr.write(
        `matting: warning: the solver stopped after ${stats.iterations} iterations at residual ` +
        `${stats.residual.toExponential(2)} (tolerance ${options.tolerance}); the matte is its best estimate\n`,
      );
    }
  } finally {
    display.stop();
  }
}

/** Names what a library error is about: the file it came from, or the flag that set a bad option. */
function subjectOf(error: MattingError, command: RunCommand): string | undefined {
  const { file, name, option } = error.details as { file?: string; name?: string; option?: string };
  if (file !== undefined) return file;
  switch (error.code) {
    case "INVALID_OPTION":
      return flagForOption(option) ?? `--${String(option)}`;
    case "WASM_UNAVAILABLE":
      return undefined;
    case "NO_FOREGROUND":
    case "NO_BACKGROUND":
    case "SIZE_MISMATCH":
      return command.trimap;
    default:
      return name === "trimap" ? command.trimap : command.image;
  }
}

function fail(subject: string | undefined, message: string): void {
  process.stderr.write(`matting: ${subject === undefined ? "" : `${subject}: `}${oneLine(message)}\n`);
}

async function main(argv: readonly string[]): Promise<number> {
  let command;
  try {
    command = parseCommandLine(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    fail(undefined, `${error.message} (see matting --help)`);
    return EXIT.usage;
  }
  if (command.kind === "help") {
    process.stdout.write(helpText());
    return EXIT.ok;
  }
  if (command.kind === "version") {
    process.stdout.write(`${packageVersion()}\n`);
    return EXIT.ok;
  }

  const controller = new AbortController();
  // The first Ctrl-C aborts between solver slices and lets the run unwind; a second one leaves at once.
  const onInterrupt = () => {
    if (controller.signal.aborted) process.exit(EXIT.interrupted);
    controller.abort();
  };
  process.on("SIGINT", onInterrupt);
  try {
    await run(command, controller.signal);
    return EXIT.ok;
  } catch (error) {
    if (controller.signal.aborted) {
      fail(undefined, "interrupted");
      return EXIT.interrupted;
    }
    if (!(error instanceof MattingError)) {
      fail(undefined, `internal error: ${error instanceof Error ? error.message : String(error)}`);
      return EXIT.failed;
    }
    const message = error.code === "INVALID_OPTION" ? error.message.replace(/^option \w+ /, "") : error.message;
    fail(subjectOf(error, command), `${message} (${error.code})`);
    return error.code === "INVALID_OPTION" ? EXIT.usage : EXIT.failed;
  } finally {
    process.off("SIGINT", onInterrupt);
  }
}

process.exitCode = await main(process.argv.slice(2));
