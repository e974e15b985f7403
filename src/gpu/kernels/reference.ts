// Plain TypeScript reference implementations of the four kernels: slow,
// obviously-correct loops over NHWC Float32Arrays, accumulated in float64.
// They follow the spec word for word (see docs/kernels.md) and are checked
// themselves against hand-computed 3×3 cases in the tests.

export interface HostTensor {
  data: Float32Array;
  shape: number[];
}

export function host(shape: number[], data?: ArrayLike<number>): HostTensor {
  const size = shape.reduce((a, b) => a * b, 1);
  const d = new Float32Array(size);
  if (data) {
    if (data.length !== size) throw new Error(`host: ${data.length} values for shape [${shape}]`);
    d.set(data);
  }
  return { data: d, shape };
}

/** Bilinear sample of channel ch of image b of an NHWC map at real (sy, sx):
 * integers are pixel centres, each neighbour outside the map contributes 0. */
export function bilinear(t: HostTensor, b: number, ch: number, sy: number, sx: number): number {
  const [, h, w, c] = t.shape;
  const y0 = Math.floor(sy);
  const x0 = Math.floor(sx);
  const ly = sy - y0;
  const lx = sx - x0;
  let v = 0;
  for (const [yy, wy] of [[y0, 1 - ly], [y0 + 1, ly]] as const) {
    for (const [xx, wx] of [[x0, 1 - lx], [x0 + 1, lx]] as const) {
      if (yy >= 0 && yy < h && xx >= 0 && xx < w) {
        v += wy * wx * t.data[((b * h + yy) * w + xx) * c + ch];
      }
    }
  }
  return v;
}

/** out(p) = x(p + flow(p)); flow channel 0 = dx, 1 = dy. */
export function refFlowWarp(x: HostTensor, flow: HostTensor): HostTensor {
  const [n, h, w, c] = x.shape;
  const out = host([n, h, w, c]);
  for (let b = 0; b < n; b++)
    for (let y = 0; y < h; y++)
      for (let xx = 0; xx < w; xx++) {
        const pix = (b * h + y) * w + xx;
        const dx = flow.data[2 * pix];
        const dy = flow.data[2 * pix + 1];
        for (let ch = 0; ch < c; ch++) out.data[pix * c + ch] = bilinear(x, b, ch, y + dy, xx + dx);
      }
  return out;
}

/** corr(j, p) = (1/c) Σ_ch a(ch,p)·b(ch,p+δ_j), δ_j = (dy,dx) ∈ [-d,d]², j = (dy+d)(2d+1)+(dx+d). */
export function refCorrelation(a: HostTensor, bT: HostTensor, d: number): HostTensor {
  const [n, h, w, c] = a.shape;
  const D = 2 * d + 1;
  const out = host([n, h, w, D * D]);
  for (let b = 0; b < n; b++)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++)
        for (let dy = -d; dy <= d; dy++)
          for (let dx = -d; dx <= d; dx++) {
            const j = (dy + d) * D + (dx + d);
            const yy = y + dy;
            const xx = x + dx;
            let s = 0;
            if (yy >= 0 && yy < h && xx >= 0 && xx < w) {
              for (let ch = 0; ch < c; ch++) {
                s += a.data[((b * h + y) * w + x) * c + ch] * bT.data[((b * h + yy) * w + xx) * c + ch];
              }
            }
            out.data[((b * h + y) * w + x) * D * D + j] = s / c;
          }
  return out;
}

/** out(p,o) = bias(o) + Σ_k Σ_ci weight(ky,kx,ci,o) · x(ci,q_k) · mask(q_k),
 * q_k = p + (ky-1, kx-1) + (offset[2k], offset[2k+1]) (dy, dx). */
export function refDcnAlign(
  x: HostTensor,
  mask: HostTensor,
  offset: HostTensor,
  weight: HostTensor,
  bias: HostTensor,
): HostTensor {
  const [n, h, w, cin] = x.shape;
  const cout = weight.shape[3];
  const out = host([n, h, w, cout]);
  const col = new Float64Array(9 * cin);
  for (let b = 0; b < n; b++)
    for (let y = 0; y < h; y++)
      for (let xx = 0; xx < w; xx++) {
        const pix = (b * h + y) * w + xx;
        for (let ky = 0; ky < 3; ky++)
          for (let kx = 0; kx < 3; kx++) {
            const k = ky * 3 + kx;
            const sy = y + ky - 1 + offset.data[pix * 18 + 2 * k];
            const sx = xx + kx - 1 + offset.data[pix * 18 + 2 * k + 1];
            const m = bilinear(mask, b, 0, sy, sx);
            for (let ci = 0; ci < cin; ci++) col[k * cin + ci] = bilinear(x, b, ci, sy, sx) * m;
          }
        for (let o = 0; o < cout; o++) {
          let s = bias.data[o];
          for (let kk = 0; kk < 9 * cin; kk++) s += weight.data[kk * cout + o] * col[kk];
          out.data[pix * cout + o] = s;
        }
      }
  return out;
}

/** Q(y,x,c) = Σ_d Σ_{n,m=-r..r} aligned(d,y+n,x+m,c) · masks(d,y+n,x+m), r = (k-1)/2. */
export function refDlfl(aligned: HostTensor, masks: HostTensor, k: number): HostTensor {
  const [N, h, w, c] = aligned.shape;
  const r = (k - 1) / 2;
  const out = host([1, h, w, c]);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let ch = 0; ch < c; ch++) {
        let s = 0;
        for (let d = 0; d < N; d++)
          for (let dy = -r; dy <= r; dy++)
            for (let dx = -r; dx <= r; dx++) {
              const yy = y + dy;
              const xx = x + dx;
              if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
              const pix = (d * h + yy) * w + xx;
              s += aligned.data[pix * c + ch] * masks.data[pix];
            }
        out.data[(y * w + x) * c + ch] = s;
      }
  return out;
}
