#!/usr/bin/env node
// The `matting` command: arguments, exit statuses and error lines; run.ts does the work.
// Every failure becomes one line on stderr, "matting: FILE: problem (CODE)", and a distinct exit status.
import { readFileSync } from "node:fs";
import { MattingError } from "../entry/node.js";
import { type Command, type Outputs, type RunCommand, UsageError, flagForOption, helpText, parseCommandLine } from "./args.js";
import { OutputCommit } from "./commit.js";
import { checkFiles } from "./paths.js";
import { run } from "./run.js";
import { STOPS, stopStatus, watchStops } from "./stops.js";

const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** The signals that stop a run, and what the run says as it stops; the exit status is 128 + the signal's number. */

function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
  return manifest.version;
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, "; ").trim();
}

/** Names what a library error is about: the file it came from, or the flag that set a bad option. */
function subjectOf(error: MattingError, command: RunCommand): string | undefined {
  const { file, name, option } = error.details as { file?: string; name?: string; option?: string };
  if (file !== undefined) return file;
  const { trimap, background } = command;
  // A trimap built from a mask is the mask's (and the band's) doing.
  const trimapSubject = trimap.kind === "file" ? trimap.path : `${trimap.path} (with --band ${trimap.band})`;
  switch (error.code) {
    case "INVALID_OPTION":
      return flagForOption(option) ?? `--${String(option)}`;
    case "WASM_UNAVAILABLE":
      return undefined;
    case "NO_FOREGROUND":
    case "NO_BACKGROUND":
    case "SIZE_MISMATCH":
      return name === "background" && background?.kind === "image" ? background.path : trimapSubject;
    default:
      if (name === "trimap" || name === "mask") return trimapSubject;
      if (name === "background" && background?.kind === "image") return background.path;
      return command.image;
  }
}

function fail(subject: string | undefined, message: string): void {
  process.stderr.write(`matting: ${subject === undefined ? "" : `${subject}: `}${oneLine(message)}\n`);
}

async function main(argv: readonly string[]): Promise<number> {
  let command: Command;
  let targets: Outputs = {};
  try {
    command = parseCommandLine(argv);
    if (command.kind === "run") targets = await checkFiles(command);
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

  const commit = new OutputCommit();
  const beforeExitNow = [() => commit.discard()];
  const stops = watchStops(beforeExitNow, (message) => fail(undefined, message));
  try {
    await run(command, { targets, signal: stops.signal, commit, beforeExitNow });
    return EXIT.ok;
  } catch (error) {
    if (stops.stoppedBy !== undefined) {
      fail(undefined, STOPS[stops.stoppedBy]);
      return stopStatus(stops.stoppedBy);
    }
    if (!(error instanceof MattingError)) {
      fail(undefined, `internal error: ${error instanceof Error ? error.message : String(error)}`);
      return EXIT.failed;
    }
    const message = error.code === "INVALID_OPTION" ? error.message.replace(/^option \w+ /, "") : error.message;
    fail(subjectOf(error, command), `${message} (${error.code})`);
    return error.code === "INVALID_OPTION" ? EXIT.usage : EXIT.failed;
  } finally {
    stops.release();
  }
}

/** Subcommands, `matting NAME ARGS...`: each module's main takes the arguments after NAME and returns the exit status. */
const SUBCOMMANDS: Record<string, () => Promise<{ main(argv: readonly string[]): Promise<number> }>> = {
  batch: () => import("./batch.js"),
  frames: async () => ({ main: (await import("./frames.js")).framesMain }),
};

const [name, ...rest] = process.argv.slice(2);
const subcommand = name !== undefined && Object.hasOwn(SUBCOMMANDS, name) ? SUBCOMMANDS[name] : undefined;
process.exitCode = subcommand ? await (await subcommand()).main(rest) : await main(process.argv.slice(2));
