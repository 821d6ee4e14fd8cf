// All outputs or none: each is written in full to a temporary file beside its target and flushed to disk, and
// only when every one is there are they renamed over their targets, in one synchronous loop. A full disk, a
// write error or a signal before that loop leaves every old file as it was and removes the temporaries.
//
// The file operations are synchronous on purpose: a signal handler (main.ts) runs only between two files,
// never between creating a temporary and recording it, so the temporaries it removes are all there are.
import { accessSync, closeSync, constants, fsyncSync, openSync, renameSync, statSync, unlinkSync, writeSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { basename, dirname, join } from "node:path";
import { MattingError } from "../entry/node.js";
import { systemReason } from "./reasons.js";

export interface OutputFile {
  /** The path as the user gave it, for messages. */
  path: string;
  /** Where it is written: the real path, through symbolic links. */
  target: string;
  bytes: Uint8Array;
}

/**
 * Test-only hook: milliseconds to wait after each temporary file is written (a signal does not cut the wait
 * short), so tests can send signals while outputs are being written. Not a user setting; unset in normal use.
 */
const PAUSE_ENV = "MATTING_TEST_WRITE_PAUSE_MS";

function testPause(): Promise<void> {
  const ms = Number(process.env[PAUSE_ENV] ?? 0);
  return ms > 0 ? new Promise((done) => setTimeout(done, ms)) : Promise.resolve();
}

function writeFailed(file: OutputFile, cause: unknown): MattingError {
  return new MattingError("WRITE_FAILED", `cannot write: ${systemReason(cause)}`, { file: file.path }, { cause });
}

export class OutputCommit {
  /** Temporary files written and not yet renamed or removed. */
  private readonly temporaries = new Set<string>();

  /**
   * Writes every file, or none: throws WRITE_FAILED (naming the file) or the signal's abort reason, having
   * removed every temporary and touched no target.
   */
  async writeAll(files: readonly OutputFile[], signal: AbortSignal): Promise<void> {
    try {
      const staged: [temporary: string, file: OutputFile][] = [];
      for (const file of files) {
        signal.throwIfAborted();
        staged.push([this.stage(file), file]);
        await testPause();
      }
      signal.throwIfAborted();
      // Synchronous: no signal handler can run between two renames, so a signal sees all old or all new files.
      for (const [temporary, file] of staged) {
        try {
          renameSync(temporary, file.target);
        } catch (cause) {
          throw writeFailed(file, cause);
        }
        this.temporaries.delete(temporary);
      }
    } finally {
      this.discard();
    }
  }

  /** Removes every temporary file now; also for a signal handler that exits at once. */
  discard(): void {
    for (const temporary of this.temporaries) {
      try {
        unlinkSync(temporary);
      } catch {
        // Already gone: nothing to clean.
      }
    }
    this.temporaries.clear();
  }

  /** Writes `file` in full to a new temporary beside its target, with the target's permissions, and flushes it. */
  private stage(file: OutputFile): string {
    const temporary = join(dirname(file.target), `.${basename(file.target).slice(0, 200)}.${process.pid}-${randomBytes(6).toString("hex")}.tmp`);
    let descriptor: number | undefined;
    try {
      // A new output gets the default permissions (less the umask); an old one keeps its own, and must be
      // writable: renaming would replace a file the user may not write, which writing in place never did.
      const old = statSync(file.target, { throwIfNoEntry: false });
      if (old) accessSync(file.target, constants.W_OK);
      // "wx": a new file, never one that happens to have this name already.
      descriptor = openSync(temporary, "wx", old ? old.mode & 0o7777 : 0o666);
      this.temporaries.add(temporary);
      for (let written = 0; written < file.bytes.length;) written += writeSync(descriptor, file.bytes, written);
      fsyncSync(descriptor);
    } catch (cause) {
      throw writeFailed(file, cause);
    } finally {
      if (descriptor !== undefined) closeSync(descriptor);
    }
    return temporary;
  }
}
