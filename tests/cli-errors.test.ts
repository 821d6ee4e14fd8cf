// The built command line, run as a user would: one-line errors naming the file, and exit statuses.
import { spawn } from "node:child_process";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { beforeAll, describe, expect, it } from "vitest";
import { cli, tempDir, useTempDir, runCli, startCli, listening, reportingListeners, file, lines, W, raw, pic, writeTrimap, H } from "./cli-helpers.js";

useTempDir();

/** The process whose parent is `pid`, from /proc (Linux): "pid (name) state ppid ...". */
async function childOf(pid: number): Promise<number> {
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, "utf8").catch(() => "");
    if (Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === pid) return Number(entry);
  }
  throw new Error(`no child of ${pid}`);
}
describe("matting CLI: errors are one line naming the file, with an exit status", () => {
  beforeAll(async () => {
    await raw(pic.rgb, W, H, 3).png().toFile(file("ok.png"));
    await writeTrimap("ok-trimap.png", pic.trimap, W, H);
    await writeFile(file("text.png"), "this is not a picture\n");
    await writeFile(file("empty.png"), "");
    const whole = await readFile(file("ok.png"));
    await writeFile(file("truncated.png"), whole.subarray(0, Math.floor(whole.length * 0.6)));
    await writeTrimap("small-trimap.png", pic.trimap.subarray(0, (W - 2) * H), W - 2, H);
    await writeTrimap("no-fg.png", pic.trimap.map((v) => (v === 255 ? 128 : v)), W, H);
    await writeTrimap("no-bg.png", pic.trimap.map((v) => (v === 0 ? 128 : v)), W, H);
    await raw(pic.rgb.subarray(0, 2 * 2 * 3), 2, 2, 3).png().toFile(file("tiny.png"));
    await writeTrimap("tiny-trimap.png", Uint8Array.of(0, 255, 128, 128), 2, 2);
    await raw(pic.rgb.subarray(0, W * (H - 1) * 3), W, H - 1, 3).png().toFile(file("short-background.png"));
    // Inside but for the last column, which a band of 2 makes all unknown.
    await writeTrimap("nearly-full-mask.png", Uint8Array.from({ length: W * H }, (_, i) => (i % W === W - 1 ? 0 : 255)), W, H);
    await writeTrimap("small-mask.png", pic.trimap.subarray(0, (W - 2) * H), W - 2, H);
  });

  // Cases get "--alpha unused.png" unless they bring their own output flag or test its absence (own: true).
  const cases: { title: string; args: () => string[]; exit: number; names: () => string; says: string; own?: boolean }[] = [
    { title: "missing image", args: () => [file("nope.png"), file("ok-trimap.png")], exit: 1, names: () => file("nope.png"), says: "READ_FAILED" },
    { title: "missing trimap", args: () => [file("ok.png"), file("nope-trimap.png")], exit: 1, names: () => file("nope-trimap.png"), says: "READ_FAILED" },
    { title: "a directory as image", args: () => [tempDir(), file("ok-trimap.png")], exit: 1, names: () => tempDir(), says: "READ_FAILED" },
    { title: "text file named .png", args: () => [file("text.png"), file("ok-trimap.png")], exit: 1, names: () => file("text.png"), says: "READ_FAILED" },
    { title: "empty file", args: () => [file("ok.png"), file("empty.png")], exit: 1, names: () => file("empty.png"), says: "empty" },
    { title: "truncated PNG", args: () => [file("truncated.png"), file("ok-trimap.png")], exit: 1, names: () => file("truncated.png"), says: "READ_FAILED" },
    {
      title: "trimap of another size", args: () => [file("ok.png"), file("small-trimap.png")], exit: 1,
      names: () => file("small-trimap.png"), says: `trimap is ${W - 2}x${H} but the image is ${W}x${H} (SIZE_MISMATCH)`,
    },
    { title: "no foreground", args: () => [file("ok.png"), file("no-fg.png")], exit: 1, names: () => file("no-fg.png"), says: "NO_FOREGROUND" },
    { title: "no background", args: () => [file("ok.png"), file("no-bg.png")], exit: 1, names: () => file("no-bg.png"), says: "NO_BACKGROUND" },
    { title: "image smaller than a window", args: () => [file("tiny.png"), file("tiny-trimap.png")], exit: 1, names: () => file("tiny.png"), says: "IMAGE_TOO_SMALL" },
    {
      title: "unwritable output", args: () => [file("ok.png"), file("ok-trimap.png"), "--alpha", file("no/such/dir/out.png")], exit: 1,
      names: () => file("no/such/dir/out.png"), says: "WRITE_FAILED", own: true,
    },
    { title: "epsilon out of range", args: () => [file("ok.png"), file("ok-trimap.png"), "--epsilon", "5"], exit: 2, names: () => "--epsilon", says: "INVALID_OPTION" },
    { title: "radius not an integer", args: () => [file("ok.png"), file("ok-trimap.png"), "--radius", "1.5"], exit: 2, names: () => "--radius", says: "INVALID_OPTION" },
    { title: "threads not a whole number", args: () => [file("ok.png"), file("ok-trimap.png"), "--alpha", "t.png", "--threads", "1.5"], exit: 2, names: () => "--threads", says: "--help" },
    { title: "no arguments", args: () => [], exit: 2, names: () => "IMAGE", says: "--help", own: true },
    { title: "unknown flag", args: () => [file("ok.png"), file("ok-trimap.png"), "--bogus"], exit: 2, names: () => "--bogus", says: "--help" },
    { title: "a flag without its value", args: () => [file("ok.png"), file("ok-trimap.png"), "--radius"], exit: 2, names: () => "--radius", says: "--help" },
    { title: "a flag whose value is missing before another flag", args: () => [file("ok.png"), file("ok-trimap.png"), "--radius", "--json"], exit: 2, names: () => "--radius needs a value", says: "--help" },
    { title: "a number that is not one", args: () => [file("ok.png"), file("ok-trimap.png"), "--tolerance", "small"], exit: 2, names: () => "--tolerance", says: "--help" },
    { title: "a third file", args: () => [file("ok.png"), file("ok-trimap.png"), "extra.png"], exit: 2, names: () => "extra.png", says: "--help" },
    { title: "missing --alpha", args: () => [file("ok.png"), file("ok-trimap.png")], exit: 2, names: () => "--alpha", says: "--help", own: true },
    { title: "--alpha not a .png", args: () => [file("ok.png"), file("ok-trimap.png"), "--alpha", "out.jpg"], exit: 2, names: () => "out.jpg", says: "--help", own: true },
    { title: "no output at all", args: () => [file("ok.png"), file("ok-trimap.png"), "--json"], exit: 2, names: () => "nothing to write", says: "--help", own: true },
    {
      title: "two outputs to one file", args: () => [file("ok.png"), file("ok-trimap.png"), "--alpha", "same.png", "--cutout", "same.png"], exit: 2,
      names: () => "same.png", says: "--help", own: true,
    },
    { title: "--cutout not a .png", args: () => [file("ok.png"), file("ok-trimap.png"), "--cutout", "cut.webp"], exit: 2, names: () => "cut.webp", says: "--help" },
    { title: "--composite without --background", args: () => [file("ok.png"), file("ok-trimap.png"), "--composite", file("k.png")], exit: 2, names: () => "--background", says: "--help" },
    { title: "--background without --composite", args: () => [file("ok.png"), file("ok-trimap.png"), "--background", "#fff"], exit: 2, names: () => "--composite", says: "--help" },
    {
      title: "a bad colour string", args: () => [file("ok.png"), file("ok-trimap.png"), "--composite", file("k.png"), "--background", "#12345"], exit: 2,
      names: () => "--background", says: "#12345",
    },
    { title: "--max-pixels 0", args: () => [file("ok.png"), file("ok-trimap.png"), "--max-pixels", "0"], exit: 2, names: () => "--max-pixels must be a whole number", says: "'0'" },
    { title: "--max-pixels not whole", args: () => [file("ok.png"), file("ok-trimap.png"), "--max-pixels", "1e3.5"], exit: 2, names: () => "--max-pixels", says: "--help" },
    {
      title: "a bad rgb() colour", args: () => [file("ok.png"), file("ok-trimap.png"), "--composite", file("k.png"), "--background", "rgb(1, 2)"], exit: 2,
      names: () => "--background expects a CSS colour name", says: "'rgb(1, 2)'",
    },
    {
      title: "a colour out of range", args: () => [file("ok.png"), file("ok-trimap.png"), "--composite", file("k.png"), "--background", "300,0,0"], exit: 2,
      names: () => "--background", says: "300,0,0",
    },
    {
      title: "a background image of another size", args: () => [file("ok.png"), file("ok-trimap.png"), "--composite", file("k.png"), "--background", file("short-background.png")],
      exit: 1, names: () => file("short-background.png"), says: `background is ${W}x${H - 1} but the image is ${W}x${H} (SIZE_MISMATCH)`,
    },
    {
      title: "a background that is neither a colour nor an existing file", args: () => [file("ok.png"), file("ok-trimap.png"), "--composite", file("k.png"), "--background", file("nope-bg.png")],
      exit: 2, names: () => `--background '${file("nope-bg.png")}' is neither a colour`, says: "#rrggbb, r,g,b or rgb(r, g, b)",
    },
    {
      title: "a misspelt colour name", args: () => [file("ok.png"), file("ok-trimap.png"), "--composite", file("k.png"), "--background", "steelbleu"],
      exit: 2, names: () => "--background 'steelbleu' is neither a colour (a CSS colour name such as red", says: "nor an existing file",
    },
    {
      title: "--mask and TRIMAP both given", args: () => [file("ok.png"), file("ok-trimap.png"), "--mask", file("ok-trimap.png")], exit: 2,
      names: () => `'${file("ok-trimap.png")}'`, says: "--help",
    },
    { title: "--band without --mask", args: () => [file("ok.png"), file("ok-trimap.png"), "--band", "4"], exit: 2, names: () => "--band", says: "--help" },
    { title: "a negative --band", args: () => [file("ok.png"), "--mask", file("ok-trimap.png"), "--band=-1"], exit: 2, names: () => "--band", says: "--help" },
    {
      title: "--trimap-out without --mask", args: () => [file("ok.png"), file("ok-trimap.png"), "--trimap-out", file("t.png")], exit: 2,
      names: () => "--trimap-out", says: "--help",
    },
    {
      title: "a mask of another size", args: () => [file("ok.png"), "--mask", file("small-mask.png")], exit: 1,
      names: () => file("small-mask.png"), says: `mask is ${W - 2}x${H} but the image is ${W}x${H} (SIZE_MISMATCH)`,
    },
    {
      title: "a mask that leaves no background", args: () => [file("ok.png"), "--mask", file("nearly-full-mask.png"), "--band", "2"], exit: 1,
      names: () => `${file("nearly-full-mask.png")} (with --band 2)`, says: "NO_BACKGROUND",
    },
    { title: "a missing mask", args: () => [file("ok.png"), "--mask", file("nope-mask.png")], exit: 1, names: () => file("nope-mask.png"), says: "READ_FAILED" },
    {
      title: "an unknown preconditioner", args: () => [file("ok.png"), file("ok-trimap.png"), "--preconditioner", "ilu"], exit: 2,
      names: () => "--preconditioner must be one of jacobi, multigrid", says: "'ilu'",
    },
    {
      title: "unwritable cutout", args: () => [file("ok.png"), file("ok-trimap.png"), "--cutout", file("no/such/dir/cut.png")], exit: 1,
      names: () => file("no/such/dir/cut.png"), says: "WRITE_FAILED",
    },
  ];

  it.each(cases)("$title", async ({ args, exit, names, says, own }) => {
    const result = await runCli(own ? args() : ["--alpha", file("unused.png"), ...args()]);
    expect(result.code).toBe(exit);
    expect(result.stdout).toBe("");
    expect(lines(result.stderr)).toHaveLength(1);
    expect(result.stderr.startsWith("matting: ")).toBe(true);
    expect(result.stderr).toContain(names());
    expect(result.stderr).toContain(says);
  });

  // A noisy picture that is nearly all unknown and an unreachable tolerance keep the solver busy.
  const busyArgs = (out: string) => [file("busy.png"), file("busy-trimap.png"), "--alpha", out, "--tolerance", "1e-30", "--preconditioner", "jacobi", "--max-iterations", "100000000"];
  beforeAll(async () => {
    const size = 240;
    const noisy = Uint8Array.from({ length: size * size * 3 }, (_, k) => (k * 2654435761) >>> 24);
    const trimap = Uint8Array.from({ length: size * size }, (_, i) => (i % size < 4 ? 255 : i % size >= size - 4 ? 0 : 128));
    await raw(noisy, size, size, 3).png().toFile(file("busy.png"));
    await writeTrimap("busy-trimap.png", trimap, size, size);
  });

  it("a second signal at a terminal exits at once, with the progress bar removed and the cursor shown again", async () => {
    // script(1) runs the CLI on a pseudo-terminal, so the progress bar is drawn (and the cursor hidden).
    const out = file("busy-alpha-tty.png");
    const command = ["exec", process.execPath, cli, ...busyArgs(out)].map((word) => `'${word}'`).join(" ");
    const terminal = spawn("script", ["-qfec", command, "/dev/null"], { stdio: "pipe" });
    let screen = "";
    let signalled = false;
    terminal.stdout.on("data", async (chunk) => {
      screen += chunk;
      if (signalled || !screen.includes("solving: iteration")) return;
      signalled = true;
      // SIGINT and SIGTERM, sent together: two signals of one kind could merge into one. Either may be handled
      // first (any of node's threads can take a signal), and the first one names the exit status.
      const cliPid = await childOf(terminal.pid!);
      process.kill(cliPid, "SIGINT");
      process.kill(cliPid, "SIGTERM");
    });
    const code = await new Promise((done) => terminal.on("close", done));
    expect(signalled).toBe(true);
    expect([130, 143]).toContain(code);
    const afterBar = screen.slice(screen.lastIndexOf("solving: iteration"));
    expect(afterBar).toContain("\x1b[?25h"); // the cursor, hidden while the bar is drawn, is shown again
    const says = code === 130 ? "interrupted" : "terminated";
    expect(afterBar.endsWith(`\x1b[2Kmatting: ${says}\r\n`)).toBe(true); // on a cleared line
    await expect(readFile(out)).rejects.toThrow();
  });

  it("errors keep stdout empty under --json too", async () => {
    const result = await runCli([file("ok.png"), file("small-trimap.png"), "--alpha", file("unused.png"), "--json"]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(lines(result.stderr)).toHaveLength(1);
  });

  it.each([
    { signal: "SIGINT", name: "Ctrl-C", code: 130, says: "interrupted" },
    { signal: "SIGTERM", name: "SIGTERM", code: 143, says: "terminated" },
  ] as const)("$name aborts the solve, says so and exits $code without writing", async ({ signal, code, says }) => {
    const out = file(`busy-alpha-${signal}.png`);
    const listeners = file(`listening-${signal}.txt`);
    const { child, outcome } = startCli(busyArgs(out), { ...reportingListeners(listeners), killAfterMs: 60_000 });
    await listening(listeners, signal);
    await new Promise((done) => setTimeout(done, 500)); // into the solve
    const started = Date.now();
    child.kill(signal);
    const result = await outcome;
    expect(Date.now() - started).toBeLessThan(5000);
    expect(result).toEqual({ code, stdout: "", stderr: `matting: ${says}\n` });
    await expect(readFile(out)).rejects.toThrow();
  });
});
