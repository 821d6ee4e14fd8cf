// Which files a command reads and writes, compared as the file system sees them: two spellings of one file
// ("out/x.png" and "out/./x.png", a symlink and its target, hard links) are one file. An output that is also
// an input or another output is refused before anything is read.
import { readlink, stat } from "node:fs/promises";
import type { Stats } from "node:fs";
import { dirname, isAbsolute, join, parse, sep } from "node:path";
import { type Outputs, OUTPUT_FLAGS, type RunCommand, UsageError } from "./args.js";
import { COLOUR_FORMS } from "./colours.js";

/** Symbolic links followed before giving up, as the kernel's own limit for one path (ELOOP). */
const MAX_LINKS = 40;

/**
 * The absolute path `path` names once every symbolic link is followed, as the kernel walks it: part by part,
 * a link replaced by its target and ".." taken from the real folder reached so far (so "link/../x" is beside
 * the link's target, not beside the link). Unlike realpath it also resolves a file that does not exist yet,
 * or a link to one. A part that cannot be looked at is kept as written: reading or writing reports that later.
 */
export async function realTarget(path: string): Promise<string> {
  const absolute = isAbsolute(path) ? path : `${process.cwd()}${sep}${path}`;
  const split = (text: string) => text.split(sep === "\\" ? /[\\/]/ : "/");
  const { root } = parse(absolute);
  let current = root;
  // A stack: the next part to walk is last.
  const pending = split(absolute.slice(root.length)).reverse();
  let links = 0;
  while (pending.length > 0) {
    const part = pending.pop()!;
    if (part === "" || part === ".") continue;
    if (part === "..") {
      current = dirname(current);
      continue;
    }
    const next = join(current, part);
    const link = links < MAX_LINKS ? await readlink(next).catch(() => undefined) : undefined;
    if (link === undefined) {
      current = next;
      continue;
    }
    links++;
    const linkRoot = parse(link).root;
    if (linkRoot !== "") current = linkRoot;
    pending.push(...split(link.slice(linkRoot.length)).reverse());
  }
  return current;
}

interface NamedFile {
  /** How the command line names it: "IMAGE", "TRIMAP", "--mask", "--alpha", ... */
  role: string;
  path: string;
  /** The output it is, for outputs. */
  output?: keyof Outputs;
}

interface Located extends NamedFile {
  target: string;
  /** The file's device and inode when it exists: hard links to one file share them. */
  inode?: string;
  stats?: Stats;
}

async function locate(file: NamedFile): Promise<Located> {
  const target = await realTarget(file.path);
  const stats = await stat(target).catch(() => undefined);
  return { ...file, target, ...(stats ? { stats, inode: `${stats.dev}:${stats.ino}` } : {}) };
}

function kindOf(stats: Stats): string {
  if (stats.isDirectory()) return "a directory";
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return "a device";
  if (stats.isFIFO()) return "a named pipe";
  if (stats.isSocket()) return "a socket";
  return "not a regular file";
}

function namedFiles(command: RunCommand): NamedFile[] {
  const { trimap, background, outputs } = command;
  const files: NamedFile[] = [
    { role: "IMAGE", path: command.image },
    { role: trimap.kind === "file" ? "TRIMAP" : "--mask", path: trimap.path },
  ];
  if (background?.kind === "image") files.push({ role: "--background", path: background.path });
  for (const [key, flag] of Object.entries(OUTPUT_FLAGS) as [keyof Outputs, string][]) {
    const path = outputs[key];
    if (path !== undefined) files.push({ role: `--${flag}`, path, output: key });
  }
  return files;
}

/**
 * Checks the command's files before any is read: --background names a colour or an existing file, every
 * output is a new or regular file, and no output is an input or another output. Returns each output's real
 * target, where it is written (through symbolic links, as a plain write would).
 */
export async function checkFiles(command: RunCommand): Promise<Outputs> {
  const files = await Promise.all(namedFiles(command).map(locate));
  const targets: Outputs = {};
  for (const [j, file] of files.entries()) {
    if (file.role === "--background" && file.stats === undefined) {
      throw new UsageError(`--background '${file.path}' is neither a colour (${COLOUR_FORMS}) nor an existing file`);
    }
    if (file.output === undefined) continue;
    if (file.stats !== undefined && !file.stats.isFile()) {
      throw new UsageError(`${file.role} '${file.path}' is ${kindOf(file.stats)}; outputs are written as new or ordinary files`);
    }
    for (const other of files.slice(0, j)) {
      if (other.target !== file.target && (other.inode === undefined || other.inode !== file.inode)) continue;
      const what = other.output === undefined ? ", an input," : "";
      throw new UsageError(`${file.role} '${file.path}' and ${other.role} '${other.path}'${what} are the same file`);
    }
    targets[file.output] = file.target;
  }
  return targets;
}
