// Whether the browser suites can run here: they drive Debian's Chromium (never a downloaded browser). Without it,
// `npm test` skips them with one line saying how to run them, unless MATTING_REQUIRE_BROWSER=1 (set by .ci/run),
// where they must run and fail loudly instead. MATTING_CHROMIUM names another binary (tests point it at a
// missing file to check the skip).
import { existsSync } from "node:fs";

export const chromiumPath = process.env.MATTING_CHROMIUM ?? "/usr/bin/chromium";
export const browserRequired = process.env.MATTING_REQUIRE_BROWSER === "1";
export const chromiumFound = existsSync(chromiumPath);
/** True when the browser suites are to be skipped: no Chromium, and nobody requires them. */
export const skipBrowserSuites = !chromiumFound && !browserRequired;

export const skipNotice =
  `Browser tests skipped: no Chromium at ${chromiumPath}. To run them, install Debian's chromium ` +
  "(sudo apt-get install -y chromium) and run npm test again; .ci/run requires them (MATTING_REQUIRE_BROWSER=1).";
