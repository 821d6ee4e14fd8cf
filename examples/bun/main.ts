// Bun: matte a generated scene with the package's Node entry (Bun resolves "matting" with the "node"
// export condition).
//   bun main.ts [alpha.f32]
// Prints a checksum; with a path, also writes the alpha as raw little-endian float32.
import { estimateAlpha } from "matting";
import { checksum, makeScene } from "../scene.ts";

const { image, trimap } = makeScene();
const { alpha, stats } = await estimateAlpha(image, trimap);
const outputPath = process.argv[2];
if (outputPath) await Bun.write(outputPath, new Uint8Array(alpha.buffer, alpha.byteOffset, alpha.byteLength));
console.log(JSON.stringify({ runtime: `bun ${Bun.version}`, ...checksum(alpha), iterations: stats.iterations, converged: stats.converged }));
