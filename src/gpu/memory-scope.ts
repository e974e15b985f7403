// GPU out-of-memory detection. WebGPU does not throw when an allocation fails:
// createBuffer returns an invalid buffer, the work that uses it silently
// produces nothing (or garbage), and the failure is reported only to an
// 'out-of-memory' error scope (or as an uncaptured error in the console).
// withOutOfMemoryScope runs a piece of GPU work inside such a scope and turns
// a failed allocation into a GpuOutOfMemoryError, so callers can tell the user
// in plain words instead of handing back wrong frames.

/** An allocation failed inside withOutOfMemoryScope; whatever the work produced is unusable. */
export class GpuOutOfMemoryError extends Error {
  constructor(detail: string, options?: { cause?: unknown }) {
    super(`the GPU ran out of memory: ${detail}`, options);
    this.name = 'GpuOutOfMemoryError';
  }
}

/**
 * Runs `work` (which may await GPU read-backs) inside an 'out-of-memory' error
 * scope of `device`. If any allocation in it failed, its result is passed to
 * `discard` and GpuOutOfMemoryError is thrown (also when `work` itself threw:
 * a failed read-back is a consequence of the missing memory, kept as `cause`).
 * Otherwise returns or throws what `work` did. The scope is always popped.
 */
export async function withOutOfMemoryScope<T>(device: GPUDevice, work: () => Promise<T> | T, discard?: (result: T) => void): Promise<T> {
  device.pushErrorScope('out-of-memory');
  let outcome: { ok: true; value: T } | { ok: false; error: unknown };
  try {
    outcome = { ok: true, value: await work() };
  } catch (error) {
    outcome = { ok: false, error };
  }
  // A lost device answers null (or, in older implementations, rejects): no memory verdict then.
  const oom = await device.popErrorScope().catch(() => null);
  if (oom) {
    if (outcome.ok) discard?.(outcome.value);
    throw new GpuOutOfMemoryError(oom.message.split('\n')[0] || 'an allocation failed', outcome.ok ? undefined : { cause: outcome.error });
  }
  if (!outcome.ok) throw outcome.error;
  return outcome.value;
}
