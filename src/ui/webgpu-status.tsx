import { useEffect } from 'react';
import { adapterLabel, probeWebGPU, WEBGPU_HELP } from '../gpu/device';
import { useAppStore } from './store';

/** Probes WebGPU once on mount and shows what the browser offers. */
export function WebGPUStatus() {
  const gpu = useAppStore((s) => s.gpu);
  const setGpu = useAppStore((s) => s.setGpu);

  useEffect(() => {
    let live = true;
    void probeWebGPU().then((result) => {
      if (live) setGpu(result);
    });
    return () => {
      live = false;
    };
  }, [setGpu]);

  if (gpu.kind === 'checking') {
    return (
      <section className="gpu gpu--checking" data-testid="webgpu-status" data-state="checking" aria-live="polite">
        <span className="gpu__dot" aria-hidden="true" />
        <span>Checking WebGPU…</span>
      </section>
    );
  }

  if (gpu.kind === 'ready') {
    const a = gpu.adapter;
    return (
      <section
        className={`gpu ${a.isFallbackAdapter ? 'gpu--fallback' : 'gpu--ready'}`}
        data-testid="webgpu-status"
        data-state={a.isFallbackAdapter ? 'fallback' : 'ready'}
        aria-live="polite"
      >
        <span className="gpu__dot" aria-hidden="true" />
        <div className="gpu__body">
          <p className="gpu__line" data-testid="webgpu-adapter">
            WebGPU adapter: <strong>{adapterLabel(a)}</strong>
          </p>
          <p className="gpu__sub">
            {a.isFallbackAdapter
              ? 'Software (fallback) adapter: it works, but far slower than a real GPU.'
              : 'Hardware adapter.'}
            {' '}
            {a.features.includes('shader-f16') ? 'Supports shader-f16.' : 'No shader-f16.'}
          </p>
        </div>
      </section>
    );
  }

  const headline =
    gpu.kind === 'no-api'
      ? 'WebGPU is not available in this browser.'
      : gpu.kind === 'no-adapter'
        ? 'WebGPU found no usable GPU adapter.'
        : 'WebGPU could not be started.';
  return (
    <section className="gpu gpu--missing" data-testid="webgpu-status" data-state={gpu.kind} role="alert">
      <span className="gpu__dot" aria-hidden="true" />
      <div className="gpu__body">
        <p className="gpu__line">
          <strong>{headline}</strong> Unblur needs WebGPU to run on your graphics card.
        </p>
        <p className="gpu__sub">{gpu.detail}</p>
        <p className="gpu__sub">To get WebGPU:</p>
        <ul className="gpu__help" data-testid="webgpu-help">
          {WEBGPU_HELP.map((line) => (
            <li key={line}>{line}</li>
          ))}
        </ul>
      </div>
    </section>
  );
}
