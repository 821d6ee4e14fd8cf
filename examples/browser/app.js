// The demo page: open a photo, paint or load its trimap, matte it in a Web Worker, show and download the results.
import { BACKGROUND, FOREGROUND, TrimapEditor, UNKNOWN } from "./trimap-editor.js";

const element = (id) => document.getElementById(id);
// Bigger photos make the solve slow and memory-hungry for a page; the library itself has no such limit.
const largestSide = 1200;

const editor = new TrimapEditor(element("trimap-overlay"), element("brush-cursor"));
const worker = new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
const status = element("status");
const progressBar = element("progress");

let photo; // { name, pixels: ImageData } being edited
let activeRun; // { id, width, height, image, trimap } sent to the worker and not finished yet
let lastResult; // activeRun plus { alpha, cutout, stats } once it finished
let runCount = 0;

function setStatus(state, text) {
  status.dataset.state = state;
  status.textContent = text;
}

function updateButtons() {
  element("run").disabled = photo === undefined || activeRun !== undefined;
  element("cancel").disabled = activeRun === undefined;
  element("download-alpha").disabled = lastResult === undefined;
  element("download-cutout").disabled = lastResult === undefined;
}

/** Decodes an image file to its stored samples: no colour-profile conversion, no premultiplication. */
function decode(blob) {
  return createImageBitmap(blob, { colorSpaceConversion: "none", premultiplyAlpha: "none" });
}

function clearResult(width, height) {
  lastResult = undefined;
  for (const canvas of [element("alpha"), element("cutout")]) {
    canvas.width = width;
    canvas.height = height;
    canvas.classList.add("empty");
  }
}

async function loadPhoto(blob, name) {
  const bitmap = await decode(blob);
  const scale = Math.min(1, largestSide / Math.max(bitmap.width, bitmap.height));
  const width = Math.max(1, Math.round(bitmap.width * scale));
  const height = Math.max(1, Math.round(bitmap.height * scale));
  const canvas = element("photo");
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext("2d", { willReadFrequently: true });
  context.imageSmoothingQuality = "high";
  context.drawImage(bitmap, 0, 0, width, height);
  if (activeRun) {
    // A run for the previous photo: stop it, and drop its late messages (their id no longer matches).
    worker.postMessage({ type: "cancel", id: activeRun.id });
    activeRun = undefined;
  }
  photo = { name: name.replace(/\.[^.]*$/, "") || "photo", pixels: context.getImageData(0, 0, width, height) };
  editor.reset(width, height, BACKGROUND);
  clearResult(width, height);
  element("editor").classList.add("has-photo");
  progressBar.value = 0;
  const size = scale < 1 ? `scaled to ${width}×${height}` : `${width}×${height}`;
  setStatus("idle", `Photo ${size}. Paint the trimap or load one, then run.`);
  updateButtons();
}

async function loadTrimap(blob) {
  if (!photo) return setStatus("error", "Open a photo before its trimap.");
  editor.loadImage(await decode(blob));
  setStatus("idle", "Trimap loaded. Touch it up with the brushes or run.");
}

function startRun() {
  const { width, height, data } = photo.pixels;
  activeRun = { id: ++runCount, width, height, image: photo.pixels, trimap: editor.labels.slice() };
  const image = { width, height, data: data.slice() };
  const trimap = { width, height, data: activeRun.trimap.slice() };
  const options = { method: element("method").value };
  worker.postMessage({ type: "run", id: activeRun.id, image, trimap, options }, [image.data.buffer, trimap.data.buffer]);
  progressBar.value = 0;
  setStatus("running", "Starting…");
  updateButtons();
}

function cancelRun() {
  worker.postMessage({ type: "cancel", id: activeRun.id });
  setStatus("running", "Cancelling…");
}

function finishRun(state, text) {
  activeRun = undefined;
  setStatus(state, text);
  updateButtons();
}

function showResult({ width, height, alpha, cutout }) {
  const grey = new ImageData(width, height);
  for (let i = 0; i < alpha.length; i++) {
    const level = Math.round(alpha[i] * 255);
    grey.data.set([level, level, level, 255], i * 4);
  }
  for (const [id, pixels] of [["alpha", grey], ["cutout", new ImageData(cutout, width, height)]]) {
    const canvas = element(id);
    canvas.width = width;
    canvas.height = height;
    canvas.getContext("2d").putImageData(pixels, 0, 0);
    canvas.classList.remove("empty");
  }
}

function showDetails({ width, height, stats }) {
  const milliseconds = (value) => `${Math.round(value).toLocaleString("en")} ms`;
  const values = {
    size: `${width}×${height}`,
    unknown: stats.unknownPixels.toLocaleString("en"),
    iterations: `${stats.iterations}${stats.converged ? "" : " (cap)"}`,
    residual: stats.residual.toExponential(1),
    laplacian: milliseconds(stats.milliseconds.laplacian),
    // Everything between the Laplacian and the foreground: preconditioner set-up and iterations.
    solve: milliseconds(stats.milliseconds.total - stats.milliseconds.laplacian - stats.milliseconds.foreground),
    foreground: milliseconds(stats.milliseconds.foreground),
    total: milliseconds(stats.milliseconds.total),
  };
  for (const [name, value] of Object.entries(values)) document.querySelector(`[data-stat="${name}"]`).textContent = value;
}

function describeProgress({ phase, iteration, residual }) {
  if (phase === "laplacian") return "Building the matting Laplacian…";
  if (phase === "foreground") return "Estimating the foreground colours…";
  const detail = residual === undefined ? "" : `, residual ${residual.toExponential(1)}`;
  return `Solving: iteration ${iteration ?? 0}${detail}`;
}

worker.addEventListener("message", ({ data }) => {
  if (data.id !== activeRun?.id) return;
  if (data.type === "progress") {
    progressBar.value = data.progress.fraction;
    setStatus("running", describeProgress(data.progress));
  } else if (data.type === "done") {
    const { stats } = data;
    lastResult = { ...activeRun, alpha: data.alpha, cutout: data.cutout, stats };
    showResult(lastResult);
    showDetails(lastResult);
    progressBar.value = 1;
    const note = stats.converged ? "" : ` (stopped at the iteration cap, residual ${stats.residual.toExponential(1)})`;
    const seconds = (stats.milliseconds.total / 1000).toFixed(2);
    const threads = `${stats.threads} thread${stats.threads === 1 ? "" : "s"}`;
    finishRun("done", `Done in ${seconds} s on ${threads}: ${stats.unknownPixels.toLocaleString("en")} unknown pixels, ${stats.iterations} iterations${note}.`);
  } else if (data.type === "error") {
    progressBar.value = 0;
    if (data.code === "ABORTED") finishRun("cancelled", "Cancelled.");
    else finishRun("error", `${data.code}: ${data.message}`);
  }
});
worker.addEventListener("error", (event) => {
  event.preventDefault();
  if (activeRun) finishRun("error", `The worker failed: ${event.message ?? "could not load"}`);
  else setStatus("error", `The worker failed: ${event.message ?? "could not load"}`);
});

function download(canvas, suffix) {
  canvas.toBlob((blob) => {
    const link = Object.assign(document.createElement("a"), { href: URL.createObjectURL(blob), download: `${photo.name}-${suffix}.png` });
    link.click();
    setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
  }, "image/png");
}

function showBackdrop() {
  const backdrop = element("cutout-backdrop");
  const colour = document.querySelector('input[name="backdrop"]:checked').value === "colour";
  backdrop.classList.toggle("checker", !colour);
  backdrop.style.backgroundColor = colour ? element("backdrop-colour").value : "";
}

const reportFailure = (what) => (error) => setStatus("error", `Could not read the ${what}: ${error.message}`);

element("photo-input").addEventListener("change", ({ target }) => {
  const [file] = target.files;
  if (file) loadPhoto(file, file.name).catch(reportFailure("photo"));
  target.value = "";
});
element("trimap-input").addEventListener("change", ({ target }) => {
  const [file] = target.files;
  if (file) loadTrimap(file).catch(reportFailure("trimap"));
  target.value = "";
});
element("sample").addEventListener("click", async () => {
  try {
    const [image, trimap] = await Promise.all(["../lemur.png", "../lemur_trimap.png"].map(async (path) => (await fetch(path)).blob()));
    await loadPhoto(image, "lemur.png");
    await loadTrimap(trimap);
  } catch (error) {
    reportFailure("sample")(error);
  }
});

// Drop a photo, a trimap (a file named like "*trimap*"), or both at once.
const editorFigure = element("editor");
editorFigure.addEventListener("dragover", (event) => {
  event.preventDefault();
  editorFigure.classList.add("drag-over");
});
editorFigure.addEventListener("dragleave", () => editorFigure.classList.remove("drag-over"));
editorFigure.addEventListener("drop", async (event) => {
  event.preventDefault();
  editorFigure.classList.remove("drag-over");
  const files = [...event.dataTransfer.files].filter((file) => file.type.startsWith("image/"));
  const trimapFile = files.find((file) => /trimap/i.test(file.name));
  const photoFile = files.find((file) => file !== trimapFile);
  try {
    if (photoFile) await loadPhoto(photoFile, photoFile.name);
    if (trimapFile) await loadTrimap(trimapFile);
  } catch (error) {
    reportFailure("dropped file")(error);
  }
});

for (const radio of document.querySelectorAll('input[name="brush"]')) {
  radio.addEventListener("change", () => (editor.brushLabel = Number(radio.value)));
}
const brushKeys = { f: FOREGROUND, b: BACKGROUND, u: UNKNOWN };
addEventListener("keydown", (event) => {
  const label = brushKeys[event.key];
  if (label === undefined || (event.target instanceof HTMLInputElement && event.target.type !== "radio")) return;
  editor.brushLabel = label;
  document.querySelector(`input[name="brush"][value="${label}"]`).checked = true;
});
element("brush-size").addEventListener("input", ({ target }) => {
  editor.brushDiameter = Number(target.value);
  element("brush-size-value").textContent = target.value;
});
element("overlay-opacity").addEventListener("input", ({ target }) => {
  element("trimap-overlay").style.opacity = String(Number(target.value) / 100);
  element("overlay-opacity-value").textContent = target.value;
});
element("clear-trimap").addEventListener("click", () => photo && editor.reset(photo.pixels.width, photo.pixels.height, BACKGROUND));
element("run").addEventListener("click", startRun);
element("cancel").addEventListener("click", cancelRun);
element("download-alpha").addEventListener("click", () => download(element("alpha"), "alpha"));
element("download-cutout").addEventListener("click", () => download(element("cutout"), "cutout"));
for (const input of document.querySelectorAll('input[name="backdrop"], #backdrop-colour')) input.addEventListener("input", showBackdrop);
element("backdrop-colour").addEventListener("click", () => {
  document.querySelector('input[name="backdrop"][value="colour"]').checked = true;
  showBackdrop();
});

element("trimap-overlay").style.opacity = String(Number(element("overlay-opacity").value) / 100);
editor.brushDiameter = Number(element("brush-size").value);
updateButtons();

// The trimap being painted and the last finished run (photo, trimap labels, alpha, cutout, stats),
// for the repository's tests and the curious.
window.__demo = {
  get trimap() {
    return { width: editor.width, height: editor.height, labels: editor.labels };
  },
  get lastResult() {
    return lastResult;
  },
};
