// examples/kubernetes: the Indexed Job manifest parses, its shard count matches its completions, and its command,
// run by a shell as each pod would run it (JOB_COMPLETION_INDEX 0..N-1, /data a generated folder), mattes every
// photo exactly once across the pods. The Dockerfile's Node satisfies the package's engines.
import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { cli, tempDir, useTempDir } from "./cli-helpers.js";
import { parseJsonLines, writePhotos } from "./batch-helpers.js";
import { parseYamlSubset } from "./yaml-subset.js";

useTempDir();

const root = fileURLToPath(new URL("..", import.meta.url));
const example = (name: string) => readFile(join(root, "examples/kubernetes", name), "utf8");

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Manifest = any;

function runShell(command: string, env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn("/bin/sh", ["-c", command], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "", stderr = "";
  child.stdout.on("data", (chunk) => (stdout += chunk));
  child.stderr.on("data", (chunk) => (stderr += chunk));
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })));
}

describe("the Kubernetes example", () => {
  it("is an Indexed Job whose --shard count is its completions and whose pods cover every photo once", async () => {
    const job: Manifest = parseYamlSubset(await example("batch-job.yaml"));
    expect([job.apiVersion, job.kind, job.spec.completionMode]).toEqual(["batch/v1", "Job", "Indexed"]);
    const [container] = job.spec.template.spec.containers;
    expect(job.spec.podFailurePolicy.rules[0]).toMatchObject({ action: "FailIndex", onExitCodes: { containerName: container.name, values: [3] } });
    expect(container.command).toEqual(["/bin/sh", "-c"]);
    const script: string = container.args[0];
    const shards = Number(/--shard "\$\(\(JOB_COMPLETION_INDEX \+ 1\)\)\/(\d+)"/.exec(script)?.[1]);
    expect(shards).toBe(job.spec.completions);
    expect(job.spec.parallelism).toBeLessThanOrEqual(shards);
    const mount = container.volumeMounts[0];
    expect(mount.name).toBe(job.spec.template.spec.volumes[0].name);

    // Each pod's command, with the built CLI for `matting` and a generated folder mounted at /data.
    const data = tempDir();
    const { names } = await writePhotos(data, 9);
    const local = script.replace(/^exec matting /, `exec "${process.execPath}" "${cli}" `).replaceAll(mount.mountPath, data);
    const seen: string[] = [];
    for (let index = 0; index < shards; index++) {
      const pod = await runShell(local, { JOB_COMPLETION_INDEX: String(index) });
      expect(pod.code, pod.stderr).toBe(0);
      const { photos, summary } = parseJsonLines(pod.stdout);
      expect(summary.shard).toBe(`${index + 1}/${shards}`);
      seen.push(...photos.keys());
    }
    expect(seen.sort()).toEqual(names);
  });

  it("builds its image on a Node the package supports", async () => {
    const dockerfile = await example("Dockerfile");
    const node = Number(/^FROM node:(\d+)/m.exec(dockerfile)?.[1]);
    const engines = JSON.parse(await readFile(join(root, "package.json"), "utf8")).engines.node as string;
    expect(node).toBeGreaterThanOrEqual(Number(/>=\s*(\d+)/.exec(engines)?.[1]));
    expect(dockerfile).toMatch(/npm install --global \/tmp\/matting-\*\.tgz/);
    expect(dockerfile).toMatch(/^ENTRYPOINT \["matting"\]/m);
  });

  it("reads only the YAML it understands", () => {
    expect(() => parseYamlSubset("a:\n  b: >-\n    folded\n")).toThrow(/line 2: outside the YAML subset/);
    expect(() => parseYamlSubset("a: 1\n   b: 2\n")).toThrow(/unexpected indentation/);
    expect(parseYamlSubset("a:\n  - x: 1\n    y: \"two\"\n  - [3, 4]\n")).toEqual({ a: [{ x: 1, y: "two" }, [3, 4]] });
  });
});
