// `npm test` on a machine without Chromium: the browser suites skip with one line saying how to run them, and
// the rest passes; with MATTING_REQUIRE_BROWSER=1 (what .ci/run sets) they fail loudly instead. Each case runs
// vitest in a child on the demo suite and the in-browser suite, with MATTING_CHROMIUM pointing at a missing file.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));
const vitest = fileURLToPath(new URL("../node_modules/vitest/vitest.mjs", import.meta.url));

function runVitest(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [vitest, "run", "tests/demo.test.ts", "tests/browser/browser.test.ts"], {
      cwd: root,
      env: { ...process.env, ...env, NO_COLOR: "1", FORCE_COLOR: "0", VITEST: "", VITEST_WORKER_ID: "", VITEST_POOL_ID: "" },
      stdio: ["ignore", "pipe", "pipe"],
      timeout: 120_000,
    });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    child.on("close", (code) => resolve({ code, output }));
  });
}

const missing = "/nonexistent/chromium-for-matting-tests";

describe("browser suites without Chromium", () => {
  it("are skipped with one line saying how to run them, and the run passes", async () => {
    const { code, output } = await runVitest({ MATTING_CHROMIUM: missing, MATTING_REQUIRE_BROWSER: "" });
    expect(code, output).toBe(0);
    const notices = output.split("\n").filter((line) => line.startsWith("Browser tests skipped:"));
    expect(notices).toEqual([expect.stringContaining(`no Chromium at ${missing}. To run them, install Debian's chromium`)]);
    expect(output).toMatch(/Tests\s+\d+ skipped/);
    expect(output).not.toMatch(/\bfailed\b|Error:/);
  });

  it("fail loudly when MATTING_REQUIRE_BROWSER=1, as in .ci/run", async () => {
    const { code, output } = await runVitest({ MATTING_CHROMIUM: missing, MATTING_REQUIRE_BROWSER: "1" });
    expect(code).not.toBe(0);
    expect(output).not.toMatch(/^Browser tests skipped:/m);
    expect(output).toMatch(`MATTING_REQUIRE_BROWSER=1 but there is no Chromium at ${missing}`);
  });
});
