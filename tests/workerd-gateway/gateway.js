// A gateway in front of the matting worker, joined by a service binding: it forwards each request and gives up
// on it after the milliseconds in its X-Give-Up-After-Ms header. Giving up cancels the matting worker's request
// and aborts its request.signal, as Cloudflare does when a client disconnects (a plain workerd does not notice
// a TCP client leaving, so tests abandon requests this way).
export default {
  async fetch(request, env) {
    const giveUpAfter = Number(request.headers.get("x-give-up-after-ms") ?? Infinity);
    const signal = Number.isFinite(giveUpAfter) ? AbortSignal.timeout(giveUpAfter) : undefined;
    try {
      return await env.MATTING.fetch(request, { signal });
    } catch (error) {
      if (signal?.aborted) return Response.json({ code: "GAVE_UP", message: String(error) }, { status: 504 });
      throw error;
    }
  },
};
