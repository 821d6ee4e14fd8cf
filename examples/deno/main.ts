// Deno: matte a generated scene with the package's Node entry (Deno resolves "matting" with the "node"
// export condition). Offline, no remote imports:
//   deno run --allow-read --allow-write main.ts [alpha.f32]
// Prints a checksum; with a path, also writes the alpha as raw little-endian float32.
import { estimateAlpha } from "matting";
import { checksum, makeScene } from "../scene.ts";

const { image, trimap } = makeScene();
const { alpha, stats } = await estimateAlpha(image, trimap);
const [outputPath] = Deno.args;
if (outputPath) await Deno.writeFile(outputPath, new Uint8Array(alpha.buffer, alpha.byteOffset, alpha.byteLength));
console.log(JSON.stringify({ runtime: `deno ${Deno.version.deno}`, ...checksum(alpha), iterations: stats.iterations, converged: stats.converged }));
