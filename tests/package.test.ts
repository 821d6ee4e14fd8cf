// Package hygiene: publint and @arethetypeswrong/cli pass (npm run lint:package), and the tarball holds
// every file that "exports", "main", "types" and "bin" name, with types for each runtime entry.
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import semver from "semver";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const root = fileURLToPath(new URL("..", import.meta.url));
const npm = process.platform === "win32" ? "npm.cmd" : "npm";

/** Every file path a package.json field points at (export conditions nest). */
function targets(value: unknown): string[] {
  if (typeof value === "string") return [value.replace(/^\.\//, "")];
  if (value && typeof value === "object") return Object.values(value).flatMap(targets);
  return [];
}

describe("package", () => {
  it("passes publint --strict and attw (npm run lint:package)", async () => {
    const { stdout } = await run(npm, ["run", "--silent", "lint:package"], { cwd: root, env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" }, timeout: 60_000 });
    expect(stdout).toMatch(/All good!/);
    expect(stdout).not.toMatch(/💀|❌/);
  });

  it("packs every file package.json names, types included, and nothing from tests or examples", async () => {
    const manifest = JSON.parse(await readFile(new URL("../package.json", import.meta.url), "utf8"));
    const { stdout } = await run(npm, ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: root, timeout: 60_000 });
    const packed = new Set<string>(JSON.parse(stdout)[0].files.map((file: { path: string }) => file.path));
    const named = [...targets(manifest.exports), ...targets(manifest.main), ...targets(manifest.types), ...targets(manifest.bin)];
    for (const path of named) expect(packed, path).toContain(path);
    for (const entry of ["node", "browser", "workerd"]) {
      expect(packed).toContain(`dist/entry/${entry}.js`);
      expect(packed).toContain(`dist/entry/${entry}.d.ts`);
    }
    expect(manifest.sideEffects).toBe(false);
    expect([...packed].filter((path) => /^(tests|examples|bench|assembly|scratch)\//.test(path))).toEqual([]);
  });

  // npm prints EBADENGINE for any installed package that refuses the running Node: every package must admit the
  // oldest Node we claim (engines for what users install, devEngines for the tools behind npm test) and this one.
  it("installs only packages whose engines admit the Node versions package.json claims", async () => {
    const manifest = JSON.parse(await readFile(new URL("../package.json", import.meta.url), "utf8"));
    const lock = JSON.parse(await readFile(new URL("../package-lock.json", import.meta.url), "utf8"));
    const userFloor = semver.minVersion(manifest.engines.node)!.version;
    const devFloor = semver.minVersion(manifest.devEngines.runtime.version)!.version;
    const refusals: string[] = [];
    for (const [path, entry] of Object.entries<{ version: string; dev?: boolean; engines?: { node?: string } }>(lock.packages)) {
      const range = entry.engines?.node;
      if (!path || range === undefined) continue;
      for (const node of [entry.dev ? devFloor : userFloor, process.versions.node]) {
        if (!semver.satisfies(node, range)) refusals.push(`${path}@${entry.version} wants node ${range}, refuses ${node}`);
      }
    }
    expect(refusals).toEqual([]);
  });
});
