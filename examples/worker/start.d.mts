// Types of start.mjs for the TypeScript that imports it (bench/workerd-memory.ts, tests).

/** A port the OS says is free right now on 127.0.0.1. */
export function freePort(): Promise<number>;

/**
 * Builds dist/, starts workerd on 127.0.0.1:port (a free one if none is given) and resolves once it answers.
 * `config` is the workerd configuration to serve (default: this folder's config.capnp).
 */
export function startWorker(port?: number, options?: { config?: string }): Promise<{ url: string; pid: number; stop: () => Promise<void> }>;
