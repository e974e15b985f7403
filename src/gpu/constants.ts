// Compile-time constants of the WGSL kernels, defined once here and injected
// into the shader sources (src/gpu/shader-source.ts prepends them as WGSL
// `const` declarations). Change a value here and every pipeline that uses it
// is rebuilt under a new shader key.

/** Frames in the temporal window (DESIGN.md 2.4). The kernels read N from the
 * tensor shapes; this is the value the engine uses. */
export const WINDOW_FRAMES = 5;

/** Hard limits we design for (the WebGPU defaults, also SwiftShader's). */
export const MAX_WORKGROUP_INVOCATIONS = 256;
export const MAX_WORKGROUP_STORAGE_BYTES = 16384 * 2;

/** flow-warp: 1-D workgroups over the flat NHWC output (channels fastest). */
export const FLOW_WARP = {
  WG_SIZE: 256,
} as const;

/** correlation: one workgroup = TX×TY output pixels × all (2d+1)² displacements,
 * channels streamed through workgroup memory CC at a time. */
export const CORRELATION = {
  WG_SIZE: 256,
  TX: 16,
  TY: 4,
  /** preferred channel chunk; halved until the tiles fit in workgroup memory */
  CC: 16,
} as const;

/** dcn-align: implicit GEMM, TP pixels × TO output channels per workgroup,
 * WG_X×WG_Y threads each owning (TP/WG_Y)×(TO/WG_X) outputs, K streamed KC at
 * a time. The wide tile serves cout > 32; the narrow one cout ≤ 32, so that
 * no half-empty cout tiles are computed. */
export const DCN_ALIGN = {
  WG_X: 16,
  WG_Y: 16,
  TP: 64,
  TO: 64,
  KC: 16,
} as const;
export const DCN_ALIGN_NARROW = {
  WG_X: 8,
  WG_Y: 16,
  TP: 64,
  TO: 32,
  KC: 16,
} as const;

/** dlfl: one workgroup = TX×TY pixels × CC channels, (TX+2r)×(TY+2r)×CC halo
 * of Σ_d aligned·mask in workgroup memory. WG_SIZE = CC × 16. */
export const DLFL = {
  TX: 16,
  TY: 8,
  CC: 16,
  WG_SIZE: 256,
} as const;

/** Largest number of workgroups per dispatch dimension (WebGPU default). */
export const MAX_WORKGROUPS_PER_DIM = 65535;
