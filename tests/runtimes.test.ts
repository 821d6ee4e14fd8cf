// Deno and Bun run the package's examples (examples/deno, examples/bun) with two solver threads and must
// give Node's alpha from two threads.
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMatting } from "../dist/entry/node.js";
import { checksum, makeScene } from "../examples/scene.ts";

const run = promisify(execFile);
const root = fileURLToPath(new URL("..", import.meta.url));
const bin = (name: string) => join(root, "node_modules", ".bin", name);

const runtimes = [
  {
    name: "deno",
    // Offline: no remote imports, no update check; "matting" resolves to this package's dist.
    command: (out: string) => [bin("deno"), ["run", "--no-remote", "--allow-read", `--allow-write=${out}`, "examples/deno/main.ts", out, "2"]] as const,
  },
  {
    name: "bun",
    command: (out: string) => [bin("bun"), ["examples/bun/main.ts", out, "2"]] as const,
  },
];

describe.each(runtimes)("$name example", ({ name, command }) => {
  let dir: string;
  let nodeAlpha: Float32Array;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), `matting-${name}-`));
    const { image, trimap } = makeScene(480, 320, 16);
    const matting = await createMatting({ threads: 2 });
    expect(matting.threads).toBe(2);
    nodeAlpha = (await matting.estimateAlpha(image, trimap)).alpha;
    matting.close();
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("gives Node's alpha", async () => {
    const out = join(dir, "alpha.f32");
    const [file, args] = command(out);
    const { stdout } = await run(file, args, { cwd: root, env: { ...process.env, DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" }, timeout: 60_000 });
    const printed = JSON.parse(stdout.trim());
    expect(printed.runtime).toMatch(new RegExp(`^${name} `));
    expect(printed.converged).toBe(true);
    expect(printed.threads).toBe(2);
    const bytes = await readFile(out);
    const alpha = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
    expect(alpha.length).toBe(nodeAlpha.length);
    let maxDifference = 0;
    for (let i = 0; i < alpha.length; i++) maxDifference = Math.max(maxDifference, Math.abs(alpha[i] - nodeAlpha[i]));
    expect(maxDifference).toBeLessThanOrEqual(1e-6);
    const expected = checksum(nodeAlpha);
    expect(printed.sum).toBeCloseTo(expected.sum, 6);
    expect(printed.weighted).toBeCloseTo(expected.weighted, 6);
  });
});
