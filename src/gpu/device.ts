// WebGPU availability probe. Plain WebGPU only (no TF.js, no media code), so
// the UI can import it without pulling the engine into its bundle.

/** What the page shows about the user's GPU. */
export interface AdapterFacts {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** True for software adapters such as SwiftShader: correct but very slow. */
  isFallbackAdapter: boolean;
  /** Optional features the adapter offers (e.g. 'shader-f16'), sorted. */
  features: string[];
  maxStorageBufferBindingSize: number;
  maxComputeWorkgroupStorageSize: number;
  maxComputeInvocationsPerWorkgroup: number;
}

export type WebGPUProbe =
  | { kind: 'ready'; adapter: AdapterFacts }
  /** `navigator.gpu` is missing: browser too old, not a secure context, or WebGPU disabled. */
  | { kind: 'no-api'; detail: string }
  /** `navigator.gpu` exists but no adapter came back (blocklisted GPU, acceleration off). */
  | { kind: 'no-adapter'; detail: string }
  /** requestAdapter threw or timed out. */
  | { kind: 'error'; detail: string };

export interface ProbeOptions {
  /** Defaults to `navigator.gpu`; tests pass their own. */
  gpu?: GPU | null;
  /** Give up after this long (some broken drivers never answer). Default 10 s. */
  timeoutMs?: number;
}

/** Where to send users whose browser gives no WebGPU adapter. */
export const WEBGPU_HELP = [
  'Use Chrome or Edge 113 or newer on a desktop computer.',
  'Turn on "Use graphics acceleration when available" in chrome://settings/system, then restart the browser.',
  'On Linux, start Chrome with --enable-unsafe-webgpu --enable-features=Vulkan.',
  'Open chrome://gpu and check that "WebGPU" says "Hardware accelerated".',
] as const;

function defaultGpu(): GPU | null {
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  return nav?.gpu ?? null;
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer from requestAdapter() after ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

/** Reads the facts the UI shows from an adapter (adapter.info, with fallbacks for older browsers). */
export function describeAdapter(adapter: GPUAdapter): AdapterFacts {
  const info = (adapter.info ?? {}) as Partial<GPUAdapterInfo>;
  // Older Chrome exposed isFallbackAdapter on the adapter itself, newer on adapter.info.
  const legacyFallback = (adapter as unknown as { isFallbackAdapter?: boolean }).isFallbackAdapter;
  // Iterate rather than forEach: Dawn's Node binding gives a set-like without forEach.
  const features: string[] = [];
  for (const f of adapter.features as Iterable<string>) features.push(f);
  features.sort();
  return {
    vendor: info.vendor ?? '',
    architecture: info.architecture ?? '',
    device: info.device ?? '',
    description: info.description ?? '',
    isFallbackAdapter: Boolean(info.isFallbackAdapter ?? legacyFallback ?? false),
    features,
    maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
    maxComputeWorkgroupStorageSize: adapter.limits.maxComputeWorkgroupStorageSize,
    maxComputeInvocationsPerWorkgroup: adapter.limits.maxComputeInvocationsPerWorkgroup,
  };
}

/** One-line human name for an adapter, e.g. "google · swiftshader · SwiftShader Device (Subzero)". */
export function adapterLabel(a: AdapterFacts): string {
  const parts = [a.vendor, a.architecture, a.description || a.device].filter((s) => s.length > 0);
  return parts.length > 0 ? parts.join(' · ') : 'unnamed adapter';
}

/**
 * Asks the browser for a WebGPU adapter and reports what came back.
 * Never throws: every failure becomes a typed result the UI can explain.
 */
export async function probeWebGPU(options: ProbeOptions = {}): Promise<WebGPUProbe> {
  const gpu = options.gpu === undefined ? defaultGpu() : options.gpu;
  const timeoutMs = options.timeoutMs ?? 10_000;
  if (!gpu) {
    const secure = (globalThis as { isSecureContext?: boolean }).isSecureContext;
    return {
      kind: 'no-api',
      detail:
        secure === false
          ? 'This page is not a secure context (https or localhost), so the browser hides WebGPU.'
          : 'This browser does not expose WebGPU (navigator.gpu is missing).',
    };
  }
  try {
    let adapter = await withTimeout(gpu.requestAdapter({ powerPreference: 'high-performance' }), timeoutMs);
    if (!adapter) {
      // Some browsers only hand out a software adapter when asked for one.
      adapter = await withTimeout(gpu.requestAdapter({ forceFallbackAdapter: true }), timeoutMs);
    }
    if (!adapter) {
      return {
        kind: 'no-adapter',
        detail: 'WebGPU is present, but the browser returned no GPU adapter (GPU blocklisted or acceleration off).',
      };
    }
    return { kind: 'ready', adapter: describeAdapter(adapter) };
  } catch (e) {
    return { kind: 'error', detail: e instanceof Error ? e.message : String(e) };
  }
}
