// Bun: matte a generated scene with the package's Node entry (Bun resolves "matting" with the "node"
// export condition).
//   bun main.ts [alpha.f32 [threads]]
// Prints a checksum; with a path, also writes the alpha as raw little-endian float32.
import { createMatting } from "matting";
import { checksum, makeScene } from "../scene.ts";

const [outputPath, threadsArgument] = process.argv.slice(2);
const { image, trimap } = makeScene(480, 320, 16);
// Threads share the solve where the runtime has workers and shared memory (Deno and Bun do).
const matting = await createMatting({ threads: Number(threadsArgument ?? 1) });
const { alpha, stats } = await matting.estimateAlpha(image, trimap);
const { threads } = matting;
matting.close();
if (outputPath) await Bun.write(outputPath, new Uint8Array(alpha.buffer, alpha.byteOffset, alpha.byteLength));
console.log(JSON.stringify({ runtime: `bun ${Bun.version}`, ...checksum(alpha), threads, iterations: stats.iterations, converged: stats.converged }));
