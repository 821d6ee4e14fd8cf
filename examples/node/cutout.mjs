// Node: matte the bundled lemur with its trimap, estimate the foreground colours, and write the cutout over a
// checkerboard and over a plain colour, side by side.
//   node examples/node/cutout.mjs [out.png] [--scale S]
// Run `npm run build` first; "matting" resolves to this package itself.
import { fileURLToPath } from "node:url";
import sharp from "sharp";
import { composite, matte } from "matting";

const here = (name) => fileURLToPath(new URL(`../${name}`, import.meta.url));
const output = process.argv.slice(2).find((a) => !a.startsWith("--")) ?? "lemur-cutout.png";
const scaleIndex = process.argv.indexOf("--scale");
const scale = scaleIndex > 0 ? Number(process.argv[scaleIndex + 1]) : 1;

async function read(file, channels) {
  const pipeline = channels === 1 ? sharp(file).extractChannel(0) : sharp(file).removeAlpha();
  const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}

const image = await read(here("lemur.png"), 3);
const trimap = await read(here("lemur_trimap.png"), 1);
const { width, height } = image;
const { alpha, foreground, stats } = await matte(image, trimap, {
  onProgress: ({ phase, fraction }) => process.stdout.write(`\r${phase} ${(fraction * 100).toFixed(0)}%   `),
});
console.log(`\nalpha in ${stats.milliseconds.total.toFixed(0)} ms (foreground ${stats.milliseconds.foreground.toFixed(0)} ms)`);

// A grey checkerboard of 16-pixel squares, the usual picture of "transparent".
const checker = new Uint8Array(width * height * 3);
for (let y = 0; y < height; y++) {
  for (let x = 0; x < width; x++) checker.fill(((x >> 4) + (y >> 4)) % 2 ? 204 : 255, (y * width + x) * 3, (y * width + x) * 3 + 3);
}
const colours = { width, height, data: foreground };
const overChecker = await composite(colours, alpha, { width, height, data: checker });
const overColour = await composite(colours, alpha, "#2d6cdf");

const panel = (rgba) => sharp(Buffer.from(rgba.data.buffer, rgba.data.byteOffset, rgba.data.length), { raw: { width, height, channels: 4 } })
  .removeAlpha().png().toBuffer();
const gap = 8;
await sharp({ create: { width: 2 * width + gap, height, channels: 3, background: "#ffffff" } })
  .composite([{ input: await panel(overChecker), left: 0, top: 0 }, { input: await panel(overColour), left: width + gap, top: 0 }])
  .png().toBuffer()
  .then((png) => sharp(png).resize(Math.round((2 * width + gap) * scale)).png({ compressionLevel: 9, palette: false }).toFile(output));
console.log(`wrote ${output}`);
