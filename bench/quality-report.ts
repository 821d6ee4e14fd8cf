// The summaries of bench:quality: mean scores per method and trimap set, the images where a method loses most
// against a baseline, and issue 11's targets for information flow and the combined method.
import { type TrimapSet, Table, fixed, mean, signedPercent } from "./common.js";
import type { MatteScores } from "./metrics.js";

export interface CaseScores {
  name: string;
  ours: MatteScores;
  baseline?: MatteScores;
  anchor?: { scores: MatteScores };
}

/** Issue 11: mean SAD targets (stretch in brackets) per trimap set, and the largest loss to closed-form on one image. */
export const IFM_TARGETS: Record<TrimapSet, { sad: number; stretch: number }> = { trimap1: { sad: 4.5, stretch: 4.2 }, trimap2: { sad: 5.2, stretch: 5.0 } };
export const MAX_LOSS_TO_BASELINE = 0.1;
const WORST_SHOWN = 5;

const meanOf = (scores: MatteScores[], key: keyof MatteScores) => mean(scores.map((s) => s[key]));

/** One row per method and trimap set: mean SAD, MSE, Gradient and Connectivity. */
export function printScoreMeans(sets: { trimapSet: TrimapSet; rows: { label: string; scores: MatteScores[] }[] }[]): void {
  const table = new Table([
    { title: "trimap", width: 7, align: "left" }, { title: "method", width: 16, align: "left" }, { title: "SAD", width: 7 },
    { title: "MSE x1e3", width: 8 }, { title: "Grad", width: 7 }, { title: "Conn", width: 7 },
  ]);
  table.header();
  for (const { trimapSet, rows } of sets) {
    for (const { label, scores } of rows) {
      table.row([trimapSet, label, fixed(meanOf(scores, "sad"), 3), fixed(meanOf(scores, "mse") * 1e3, 3), fixed(meanOf(scores, "gradient"), 3),
        fixed(meanOf(scores, "connectivity"), 3)]);
    }
  }
}

const lossToBaseline = (r: CaseScores) => r.ours.sad / r.baseline!.sad - 1;

/** The images with the largest relative SAD loss against the baseline, and how many lose more than 10 %. */
export function printWorstAgainstBaseline(trimapSet: TrimapSet, baseline: string, rows: CaseScores[]): void {
  const sorted = [...rows].sort((a, b) => lossToBaseline(b) - lossToBaseline(a));
  const over = sorted.filter((r) => lossToBaseline(r) > MAX_LOSS_TO_BASELINE);
  console.log(`\n## ${trimapSet}: worst images against ${baseline} (SAD ours / ${baseline} - 1); ${over.length} of ${rows.length} worse by more than ` +
    `${MAX_LOSS_TO_BASELINE * 100} %; ${rows.filter((r) => r.ours.sad < r.baseline!.sad).length} better`);
  console.log(sorted.slice(0, WORST_SHOWN).map((r) => `${r.name} ${fixed(r.ours.sad, 3)} vs ${fixed(r.baseline!.sad, 3)} (${signedPercent(lossToBaseline(r) * 100, 1)})`).join("; "));
}

/** Issue 11's verdicts: SAD targets, MSE and Gradient below the baseline's and the anchor's, no image much worse. */
export function ifmVerdicts(sets: { trimapSet: TrimapSet; rows: CaseScores[] }[], subset: boolean): string[] {
  const lines: string[] = [];
  const verdict = (pass: boolean, text: string) => lines.push(`${pass ? "PASS  " : "MISSED"}  ${text}${subset ? " (subset)" : ""}`);
  for (const { trimapSet, rows } of sets) {
    const ours = rows.map((r) => r.ours);
    const sad = meanOf(ours, "sad");
    const target = IFM_TARGETS[trimapSet];
    verdict(sad <= target.sad, `mean SAD ${trimapSet} ${fixed(sad, 3)} <= ${target.sad} (stretch ${target.stretch}: ${sad <= target.stretch ? "met" : "not met"})`);
    const others: [string, MatteScores[] | undefined][] = [
      ["baseline", rows.every((r) => r.baseline) ? rows.map((r) => r.baseline!) : undefined],
      ["anchor", rows.every((r) => r.anchor) ? rows.map((r) => r.anchor!.scores) : undefined],
    ];
    for (const [label, theirs] of others) {
      if (!theirs) continue;
      for (const key of ["mse", "gradient"] as const) {
        const a = meanOf(ours, key), b = meanOf(theirs, key);
        verdict(a < b, `mean ${key} ${trimapSet} ${fixed(a * (key === "mse" ? 1e3 : 1), 3)} below the ${label}'s ${fixed(b * (key === "mse" ? 1e3 : 1), 3)}` +
          `${key === "mse" ? " (x1e3)" : ""}`);
      }
    }
    if (rows.every((r) => r.baseline)) {
      const worst = Math.max(...rows.map(lossToBaseline));
      verdict(worst <= MAX_LOSS_TO_BASELINE, `no image of ${trimapSet} worse than the baseline by more than ${MAX_LOSS_TO_BASELINE * 100} % SAD ` +
        `(worst ${signedPercent(worst * 100, 1)})`);
    }
  }
  return lines;
}
