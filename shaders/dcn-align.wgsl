// dcn-align.wgsl — deformable 3×3 convolution with a sampled mask (DESIGN.md 2.3).
//   out(p,o) = bias(o) + Σ_k Σ_ci weight(ky,kx,ci,o) · x(q_k, ci) · mask(q_k),
//   k = ky·3 + kx, q_k = p + (ky−1, kx−1) + (offset(p,2k), offset(p,2k+1))
//   (offset channel 2k = dy rows, 2k+1 = dx cols); x and mask are each sampled
//   bilinearly at q_k (integers = pixel centres, neighbours outside → 0).
// Layout: NHWC float32: x [n,h,w,cin], mask [n,h,w,1], offset [n,h,w,18],
// weight [3,3,cin,cout] (= a row-major (9·cin)×cout matrix), bias [cout],
// out [n,h,w,cout].
// Work split: an implicit GEMM out[P×cout] = col[P×9cin] · W[9cin×cout].
// One workgroup (WG_X×WG_Y invocations) computes a tile of TP flat pixels
// (n,y,x) × TO output channels; invocation (tx,ty) owns pixels ty+WG_Y·i and
// channels tx+WG_X·j (RP×RO register accumulators). For each kernel point k
// the workgroup first computes, once per pixel, the four bilinear neighbours
// and their weights pre-multiplied by the bilinear mask sample (the "taps");
// then it streams cin in chunks of KC: the sampled column tile col[KC×TP]
// (built from the taps, loads coalesced along channels) and the weight tile
// W[KC×TO] (coalesced along cout) go to workgroup memory and every
// invocation does KC·RP·RO FMAs from them. Output stores are coalesced along
// cout. Pixel tiles beyond 65535 are folded into the z dimension.
// Injected constants: WG_X, WG_Y, TP, TO, KC (u32).

const RP: u32 = TP / WG_Y;
const RO: u32 = TO / WG_X;
const WG: u32 = WG_X * WG_Y;
const CS: u32 = TP + 1u; // padded row stride of the column tile

struct Params {
  h: u32,
  w: u32,
  cin: u32,
  cout: u32,
  npix: u32,    // n*h*w
  groupsX: u32, // pixel tiles along dispatch x
};

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read> M: array<f32>;
@group(0) @binding(3) var<storage, read> OFF: array<f32>;
@group(0) @binding(4) var<storage, read> Wt: array<f32>;
@group(0) @binding(5) var<storage, read> bias: array<f32>;
@group(0) @binding(6) var<storage, read_write> dst: array<f32>;

var<workgroup> tapIdx: array<vec4<u32>, TP>; // flat pixel index of the 4 neighbours
var<workgroup> tapWt: array<vec4<f32>, TP>;  // bilinear weight × mask(q_k); 0 outside
var<workgroup> colT: array<f32, KC * CS>;    // [kk][p]
var<workgroup> wT: array<f32, KC * TO>;      // [kk][o]

@compute @workgroup_size(WG_X, WG_Y)
fn main(@builtin(workgroup_id) wg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>,
        @builtin(local_invocation_index) li: u32) {
  let p0 = (wg.z * P.groupsX + wg.x) * TP;
  let o0 = wg.y * TO;
  let tx = lid.x;
  let ty = lid.y;
  let H = i32(P.h);
  let W = i32(P.w);

  var acc: array<array<f32, RO>, RP>;
  for (var i = 0u; i < RP; i++) {
    for (var j = 0u; j < RO; j++) {
      acc[i][j] = 0.0;
    }
  }

  for (var k = 0u; k < 9u; k++) {
    // ---- taps of kernel point k for the TP pixels of the tile
    for (var tp = li; tp < TP; tp += WG) {
      let pix = p0 + tp;
      var idx = vec4<u32>(0u);
      var wt = vec4<f32>(0.0);
      if (pix < P.npix) {
        let px = pix % P.w;
        let py = (pix / P.w) % P.h;
        let base = pix - (py * P.w + px);
        let sy = f32(py) + f32(k / 3u) - 1.0 + OFF[pix * 18u + 2u * k];
        let sx = f32(px) + f32(k % 3u) - 1.0 + OFF[pix * 18u + 2u * k + 1u];
        let cy = clamp(sy, -2.0, f32(P.h) + 1.0);
        let cx = clamp(sx, -2.0, f32(P.w) + 1.0);
        let y0f = floor(cy);
        let x0f = floor(cx);
        let ly = cy - y0f;
        let lx = cx - x0f;
        let y0 = i32(y0f);
        let x0 = i32(x0f);
        var m = 0.0;
        for (var t = 0; t < 4; t++) {
          let yy = y0 + (t >> 1);
          let xx = x0 + (t & 1);
          if (yy >= 0 && yy < H && xx >= 0 && xx < W) {
            let q = base + u32(yy) * P.w + u32(xx);
            let wy = select(1.0 - ly, ly, (t >> 1) == 1);
            let wx = select(1.0 - lx, lx, (t & 1) == 1);
            idx[t] = q;
            wt[t] = wy * wx;
            m += wy * wx * M[q];
          }
        }
        wt *= m;
      }
      tapIdx[tp] = idx;
      tapWt[tp] = wt;
    }
    workgroupBarrier();

    for (var c0 = 0u; c0 < P.cin; c0 += KC) {
      // ---- column tile: col[kk][p] = mask(q_k) · bilinear(x(·, c0+kk), q_k)
      for (var e = li; e < KC * TP; e += WG) {
        let kk = e % KC;
        let p = e / KC;
        let ci = c0 + kk;
        var v = 0.0;
        if (ci < P.cin) {
          let wt = tapWt[p];
          let id = tapIdx[p];
          v = wt.x * X[id.x * P.cin + ci] + wt.y * X[id.y * P.cin + ci]
            + wt.z * X[id.z * P.cin + ci] + wt.w * X[id.w * P.cin + ci];
        }
        colT[kk * CS + p] = v;
      }
      // ---- weight tile: W[k·cin + c0 + kk][o0 + o]
      for (var e = li; e < KC * TO; e += WG) {
        let o = e % TO;
        let kk = e / TO;
        var v = 0.0;
        if (c0 + kk < P.cin && o0 + o < P.cout) {
          v = Wt[(k * P.cin + c0 + kk) * P.cout + o0 + o];
        }
        wT[kk * TO + o] = v;
      }
      workgroupBarrier();

      for (var kk = 0u; kk < KC; kk++) {
        var a: array<f32, RP>;
        var b: array<f32, RO>;
        for (var i = 0u; i < RP; i++) {
          a[i] = colT[kk * CS + ty + WG_Y * i];
        }
        for (var j = 0u; j < RO; j++) {
          b[j] = wT[kk * TO + tx + WG_X * j];
        }
        for (var i = 0u; i < RP; i++) {
          for (var j = 0u; j < RO; j++) {
            acc[i][j] = fma(a[i], b[j], acc[i][j]);
          }
        }
      }
      workgroupBarrier();
    }
  }

  for (var i = 0u; i < RP; i++) {
    let pix = p0 + ty + WG_Y * i;
    for (var j = 0u; j < RO; j++) {
      let o = o0 + tx + WG_X * j;
      if (pix < P.npix && o < P.cout) {
        dst[pix * P.cout + o] = acc[i][j] + bias[o];
      }
    }
  }
}
