#!/usr/bin/env node
// The `matting` command: arguments, exit statuses and error lines; run.ts does the work.
// Every failure becomes one line on stderr, "matting: FILE: problem (CODE)", and a distinct exit status.
import { readFileSync } from "node:fs";
import { MattingError } from "../entry/node.js";
import { type RunCommand, UsageError, flagForOption, helpText, parseCommandLine } from "./args.js";
import { run } from "./run.js";

const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const;

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
