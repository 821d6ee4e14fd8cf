// Deno: matte a generated scene with the package's Node entry (Deno resolves "matting" with the "node"
// export condition). Offline, no remote imports:
//   deno run --allow-read --allow-write main.ts [alpha.f32 [threads]]
// Prints a checksum; with a path, also writes the alpha as raw little-endian float32.
import { createMatting } from "matting";
import { checksum, makeScene } from "../scene.ts";

const [outputPath, threadsArgument] = Deno.args;
const { image, trimap } = makeScene(480, 320, 16);
// Threads share the solve where the runtime has workers and shared memory (Deno and Bun do).
const matting = await createMatting({ threads: Number(threadsArgument ?? 1) });
const { alpha, stats } = await matting.estimateAlpha(image, trimap);
const { threads } = matting;
matting.close();
if (outputPath) await Deno.writeFile(outputPath, new Uint8Array(alpha.buffer, alpha.byteOffset, alpha.byteLength));
console.log(JSON.stringify({ runtime: `deno ${Deno.version.deno}`, ...checksum(alpha), threads, iterations: stats.iterations, converged: stats.converged }));
