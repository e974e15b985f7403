// correlation.wgsl — correlation cost volume (DESIGN.md 2.5, no activation).
//   corr(n,y,x,j) = (1/c) Σ_ch a(n,y,x,ch) · b(n,y+dy,x+dx,ch),
//   (dy,dx) ∈ [-D,D]², j = (dy+D)·(2D+1) + (dx+D), b = 0 outside the map.
// Layout: NHWC float32, a and b [n,h,w,c], out [n,h,w,(2D+1)²].
// Work split: one workgroup = a TX×TY tile of output pixels × all NDISP
// displacements (grid: ceil(w/TX) × ceil(h/TY) × n). Channels are streamed
// CC at a time: the workgroup loads the a tile (TX·TY pixels × CC) and the b
// neighbourhood tile ((TX+2D)×(TY+2D) pixels × CC) into workgroup memory
// (loads coalesced along the channel axis, rows padded to CC+1 floats against
// bank conflicts), then each invocation accumulates ITEMS (pixel, j) pairs
// with j fastest: the NDISP invocations of one pixel share its a vector
// (broadcast reads) and write NDISP consecutive floats (coalesced store).
// Injected constants: D, TX, TY, CC, WG_SIZE (u32).

const DD: u32 = 2u * D + 1u;
const NDISP: u32 = DD * DD;
const TP: u32 = TX * TY;
const HX: u32 = TX + 2u * D;
const HY: u32 = TY + 2u * D;
const ST: u32 = CC + 1u;               // padded row stride in workgroup memory
const ITEMS: u32 = (TP * NDISP + WG_SIZE - 1u) / WG_SIZE;

struct Params {
  h: u32,
  w: u32,
  c: u32,
  invC: f32,
};

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> A: array<f32>;
@group(0) @binding(2) var<storage, read> B: array<f32>;
@group(0) @binding(3) var<storage, read_write> dst: array<f32>;

var<workgroup> aT: array<f32, TP * ST>;
var<workgroup> bT: array<f32, HX * HY * ST>;

@compute @workgroup_size(WG_SIZE)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let x0 = wg.x * TX;
  let y0 = wg.y * TY;
  let img = wg.z * P.h * P.w; // first pixel of image n
  var acc: array<f32, ITEMS>;
  for (var i = 0u; i < ITEMS; i++) {
    acc[i] = 0.0;
  }

  for (var c0 = 0u; c0 < P.c; c0 += CC) {
    // a tile: TP pixels × CC channels (zeros outside the map / past c).
    for (var e = li; e < TP * CC; e += WG_SIZE) {
      let ch = e % CC;
      let p = e / CC;
      let gx = x0 + p % TX;
      let gy = y0 + p / TX;
      var v = 0.0;
      if (gx < P.w && gy < P.h && c0 + ch < P.c) {
        v = A[(img + gy * P.w + gx) * P.c + c0 + ch];
      }
      aT[p * ST + ch] = v;
    }
    // b neighbourhood: HX×HY pixels around the tile × CC channels.
    for (var e = li; e < HX * HY * CC; e += WG_SIZE) {
      let ch = e % CC;
      let q = e / CC;
      let gx = i32(x0 + q % HX) - i32(D);
      let gy = i32(y0 + q / HX) - i32(D);
      var v = 0.0;
      if (gx >= 0 && gx < i32(P.w) && gy >= 0 && gy < i32(P.h) && c0 + ch < P.c) {
        v = B[(img + u32(gy) * P.w + u32(gx)) * P.c + c0 + ch];
      }
      bT[q * ST + ch] = v;
    }
    workgroupBarrier();

    for (var i = 0u; i < ITEMS; i++) {
      let item = li + i * WG_SIZE;
      if (item < TP * NDISP) {
        let p = item / NDISP;
        let j = item % NDISP;
        let q = (p / TX + j / DD) * HX + (p % TX + j % DD);
        var s = 0.0;
        for (var ch = 0u; ch < CC; ch++) {
          s += aT[p * ST + ch] * bT[q * ST + ch];
        }
        acc[i] += s;
      }
    }
    workgroupBarrier();
  }

  for (var i = 0u; i < ITEMS; i++) {
    let item = li + i * WG_SIZE;
    let p = item / NDISP;
    let gx = x0 + p % TX;
    let gy = y0 + p / TX;
    if (item < TP * NDISP && gx < P.w && gy < P.h) {
      dst[(img + gy * P.w + gx) * NDISP + item % NDISP] = acc[i] * P.invC;
    }
  }
}
