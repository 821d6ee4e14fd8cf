import { playwright } from "@vitest/browser-playwright";
import { defineConfig } from "vitest/config";
import { chromiumPath, skipBrowserSuites, skipNotice } from "./tests/browser-availability.js";

// Said once per run; the suites that need Chromium skip themselves (describe.skipIf(skipBrowserSuites)).
if (skipBrowserSuites) console.warn(`\n${skipNotice}\n`);

// Debian's chromium, never a downloaded browser; flags keep it quiet and offline.
const chromium = playwright({
  launchOptions: {
    executablePath: chromiumPath,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  },
});

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "node",
          include: ["tests/**/*.test.ts"],
          exclude: ["tests/browser/**"],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      // Without Chromium the browser project is left out (see the notice above), unless it is required.
      ...(skipBrowserSuites ? [] : [{
        test: {
          name: "browser",
          include: ["tests/browser/**/*.test.ts"],
          globalSetup: ["tests/browser/global-setup.ts"],
          testTimeout: 60_000,
          browser: {
            enabled: true,
            headless: true,
            provider: chromium,
            instances: [{ browser: "chromium" as const }],
          },
        },
      }]),
    ],
  },
});
