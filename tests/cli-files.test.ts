// The built command line's files: outputs are all new or all old (a full disk, SIGTERM, a second Ctrl-C), and
// an output that is an input or another output, by any spelling or link, is refused before anything is read.
import { link, mkdir, readdir, readFile, stat, symlink, writeFile, chmod, lstat } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { file, lines, pic, raw, readPng, runCli, startCli, tempDir, untilNonePending, useTempDir, W, H, writeTrimap } from "./cli-helpers.js";

useTempDir();

const OLD = { alpha: "old alpha\n", foreground: "old foreground\n", cutout: "old cutout\n" } as const;
type Kind = keyof typeof OLD;
const KINDS = Object.keys(OLD) as Kind[];

/** A folder of old outputs, each a few distinct bytes, and the flags that would replace them. */
async function oldOutputs(name: string) {
  const folder = file(name);
  await mkdir(folder, { recursive: true });
  const paths = Object.fromEntries(KINDS.map((kind) => [kind, join(folder, `${kind}.png`)])) as Record<Kind, string>;
  for (const kind of KINDS) await writeFile(paths[kind], OLD[kind]);
  const flags = KINDS.flatMap((kind) => [`--${kind}`, paths[kind]]);
  return { folder, paths, flags };
}

async function expectOldOutputs(folder: string, paths: Record<Kind, string>) {
  for (const kind of KINDS) expect(await readFile(paths[kind], "utf8")).toBe(OLD[kind]);
  expect((await readdir(folder)).sort()).toEqual(KINDS.map((kind) => `${kind}.png`).sort());
}

/** Resolves once a temporary output file appears in `folder`, that is, while outputs are being written. */
async function temporaryAppears(folder: string): Promise<void> {
  for (let tries = 0; tries < 2000; tries++) {
    if ((await readdir(folder)).some((name) => name.endsWith(".tmp"))) return;
    await new Promise((done) => setTimeout(done, 10));
  }
  throw new Error(`no temporary file appeared in ${folder}`);
}

const inputs = () => [file("photo.png"), file("trimap.png")];

beforeAll(async () => {
  await raw(pic.rgb, W, H, 3).png().toFile(file("photo.png"));
  await writeTrimap("trimap.png", pic.trimap, W, H);
});

describe("matting CLI: outputs are written all or none", () => {
  it("a write that fails part-way (a file-size limit, as a full disk) leaves every old output as it was and no temporary", async () => {
    const fresh = await oldOutputs("sizes");
    expect((await runCli([...inputs(), ...fresh.flags, "-q"])).code).toBe(0);
    const size = async (kind: Kind) => (await stat(fresh.paths[kind])).size;
    const [alphaBytes, foregroundBytes] = [await size("alpha"), await size("foreground")];
    expect(alphaBytes).toBeLessThan(foregroundBytes);
    // The alpha fits under the limit, the foreground does not: one output is written before another fails.
    const limit = Math.floor((alphaBytes + foregroundBytes) / 2);

    const { folder, paths, flags } = await oldOutputs("full");
    const { outcome } = startCli([...inputs(), ...flags], { wrapper: ["prlimit", `--fsize=${limit}`], killAfterMs: 60_000 });
    const result = await outcome;
    expect(result.code).toBe(1);
    expect(lines(result.stderr)).toEqual([`matting: ${paths.foreground}: cannot write: file too large (WRITE_FAILED)`]);
    await expectOldOutputs(folder, paths);
  });

  it("SIGTERM while outputs are being written leaves every old output, no temporary, and exits 143", async () => {
    const { folder, paths, flags } = await oldOutputs("term");
    const { child, outcome } = startCli([...inputs(), ...flags], { env: { MATTING_TEST_WRITE_PAUSE_MS: "1000" }, killAfterMs: 60_000 });
    await temporaryAppears(folder);
    child.kill("SIGTERM");
    expect(await outcome).toEqual({ code: 143, stdout: "", stderr: "matting: terminated\n" });
    await expectOldOutputs(folder, paths);
  });

  it("a second Ctrl-C while outputs are being written exits at once (130), leaving every old output and no temporary", async () => {
    const { folder, paths, flags } = await oldOutputs("twice");
    // The pause outlasts both signals, so the second one finds the run still writing.
    const { child, outcome } = startCli([...inputs(), ...flags], { env: { MATTING_TEST_WRITE_PAUSE_MS: "20000" }, killAfterMs: 60_000 });
    await temporaryAppears(folder);
    child.kill("SIGINT");
    await untilNonePending(child.pid!, "SIGINT");
    child.kill("SIGINT");
    const started = Date.now();
    expect(await outcome).toEqual({ code: 130, stdout: "", stderr: "matting: interrupted\n" });
    expect(Date.now() - started).toBeLessThan(10_000);
    await expectOldOutputs(folder, paths);
  });

  it("a run that completes replaces every old output, keeps its permissions, and writes through a symbolic link", async () => {
    const { folder, paths } = await oldOutputs("done");
    await chmod(paths.alpha, 0o640);
    await writeFile(file("cutout-target.png"), OLD.cutout);
    const cutoutLink = join(folder, "cutout-link.png");
    await symlink(file("cutout-target.png"), cutoutLink);
    const result = await runCli([...inputs(), "--alpha", paths.alpha, "--foreground", paths.foreground, "--cutout", cutoutLink, "-q"]);
    expect(result).toEqual({ code: 0, stdout: "", stderr: "" });
    expect((await stat(paths.alpha)).mode & 0o777).toBe(0o640);
    expect((await readPng(paths.alpha, 1)).width).toBe(W);
    expect((await readPng(paths.foreground, 3)).width).toBe(W);
    expect(await readFile(paths.cutout, "utf8")).toBe(OLD.cutout); // not an output of this run
    expect((await lstat(cutoutLink)).isSymbolicLink()).toBe(true);
    expect((await readPng(file("cutout-target.png"), 4)).height).toBe(H);
    expect((await readdir(folder)).filter((name) => name.endsWith(".tmp"))).toEqual([]);
  });
});

describe("matting CLI: an output that is an input or another output is refused", () => {
  const dir = () => tempDir();
  beforeAll(async () => {
    await mkdir(file("out"), { recursive: true });
    await raw(pic.rgb, W, H, 3).png().toFile(file("behind.png"));
    await writeTrimap("mask.png", pic.trimap.map((v) => (v === 255 ? 255 : 0)), W, H);
    await symlink(file("trimap.png"), file("trimap-link.png"));
    await symlink(file("out"), file("out-link"));
    await link(file("photo.png"), file("photo-hard.png"));
    await symlink("/dev/null", file("null.png"));
    await mkdir(file("folder.png"));
  });

  const cases: { title: string; args: () => string[]; says: () => string }[] = [
    {
      title: "--alpha onto the trimap", args: () => [...inputs(), "--alpha", file("trimap.png")],
      says: () => `--alpha '${file("trimap.png")}' and TRIMAP '${file("trimap.png")}', an input, are the same file`,
    },
    {
      title: "--cutout onto the photo, spelled with ./ and ..", args: () => [...inputs(), "--cutout", `${dir()}/./out/../photo.png`],
      says: () => `--cutout '${dir()}/./out/../photo.png' and IMAGE '${file("photo.png")}', an input, are the same file`,
    },
    {
      title: "out/same.png and out/./same.png", args: () => [...inputs(), "--alpha", file("out/same.png"), "--cutout", `${dir()}/out/./same.png`],
      says: () => `--cutout '${dir()}/out/./same.png' and --alpha '${file("out/same.png")}' are the same file`,
    },
    {
      title: "a symbolic link to the trimap", args: () => [...inputs(), "--foreground", file("trimap-link.png")],
      says: () => `--foreground '${file("trimap-link.png")}' and TRIMAP '${file("trimap.png")}', an input, are the same file`,
    },
    {
      title: "a new file reached through a symbolically linked folder", args: () => [...inputs(), "--alpha", file("out/new.png"), "--foreground", file("out-link/new.png")],
      says: () => `--foreground '${file("out-link/new.png")}' and --alpha '${file("out/new.png")}' are the same file`,
    },
    {
      title: "a hard link to the photo", args: () => [...inputs(), "--alpha", file("photo-hard.png")],
      says: () => `--alpha '${file("photo-hard.png")}' and IMAGE '${file("photo.png")}', an input, are the same file`,
    },
    {
      title: "--trimap-out onto the mask", args: () => [file("photo.png"), "--mask", file("mask.png"), "--trimap-out", file("mask.png")],
      says: () => `--trimap-out '${file("mask.png")}' and --mask '${file("mask.png")}', an input, are the same file`,
    },
    {
      title: "--composite onto the background image", args: () => [...inputs(), "--background", file("behind.png"), "--composite", file("behind.png")],
      says: () => `--composite '${file("behind.png")}' and --background '${file("behind.png")}', an input, are the same file`,
    },
    {
      title: "an output that is a device", args: () => [...inputs(), "--alpha", file("null.png")],
      says: () => `--alpha '${file("null.png")}' is a device; outputs are written as new or ordinary files`,
    },
    {
      title: "an output that is a folder", args: () => [...inputs(), "--alpha", file("folder.png")],
      says: () => `--alpha '${file("folder.png")}' is a directory; outputs are written as new or ordinary files`,
    },
  ];

  it("'..' after a linked folder is taken from the link's target, as the kernel does: not the photo, a new file", async () => {
    await mkdir(file("elsewhere/sub"), { recursive: true });
    await symlink(file("elsewhere/sub"), file("sub-link"));
    const photo = await readFile(file("photo.png"));
    const result = await runCli([...inputs(), "--alpha", `${tempDir()}/sub-link/../photo.png`, "-q"]); // not path.join: it drops ".."
    expect(result).toEqual({ code: 0, stdout: "", stderr: "" });
    expect(await readFile(file("photo.png"))).toEqual(photo);
    expect((await readPng(file("elsewhere/photo.png"), 1)).width).toBe(W);
  });

  it.concurrent.for(cases)("$title: usage error naming both, nothing changed", async ({ args, says }, { expect }) => {
    const before = await Promise.all(["photo.png", "trimap.png", "mask.png", "behind.png"].map((name) => readFile(file(name))));
    const result = await runCli(args());
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(lines(result.stderr)).toEqual([`matting: ${says()} (see matting --help)`]);
    const after = await Promise.all(["photo.png", "trimap.png", "mask.png", "behind.png"].map((name) => readFile(file(name))));
    expect(after).toEqual(before);
    expect(await readdir(file("out"))).toEqual([]);
  });
});
