// dlfl.wgsl — dynamic local filtering layer (DESIGN.md 2.4, no learned weights).
//   Q(0,y,x,ch) = Σ_{d<N} Σ_{dy,dx ∈ [-R,R]} aligned(d,y+dy,x+dx,ch) · masks(d,y+dy,x+dx)
//   zeros outside the map.
// Since the (2R+1)² box is the same for every frame d, Q = box(S) with
// S(y,x,ch) = Σ_d aligned(d,y,x,ch)·masks(d,y,x): each workgroup builds S once
// for its halo and box-filters it from workgroup memory.
// Layout: NHWC float32: aligned [N,h,w,c], masks [N,h,w,1], out [1,h,w,c].
// Work split: one workgroup = TX×TY pixels × CC channels (grid ceil(w/TX) ×
// ceil(h/TY) × ceil(c/CC)). Phase 1: the (TX+2R)×(TY+2R)×CC halo of S goes to
// workgroup memory, channel-fastest (coalesced loads; each element reads its
// N frames). Phase 2: invocation li owns channel li % CC and the pixels
// li / CC + (WG_SIZE/CC)·i; (2R+1)² workgroup-memory reads per output.
// Injected constants: R, TX, TY, CC, WG_SIZE (u32); WG_SIZE is a multiple of CC.

const HX: u32 = TX + 2u * R;
const HY: u32 = TY + 2u * R;
const LANES: u32 = WG_SIZE / CC;           // pixels processed in parallel
const PPT: u32 = (TX * TY + LANES - 1u) / LANES; // pixels per invocation

struct Params {
  n: u32, // frames N
  h: u32,
  w: u32,
  c: u32,
};

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> A: array<f32>;
@group(0) @binding(2) var<storage, read> M: array<f32>;
@group(0) @binding(3) var<storage, read_write> dst: array<f32>;

var<workgroup> S: array<f32, HX * HY * CC>;

@compute @workgroup_size(WG_SIZE)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let x0 = wg.x * TX;
  let y0 = wg.y * TY;
  let c0 = wg.z * CC;
  let plane = P.h * P.w;

  for (var e = li; e < HX * HY * CC; e += WG_SIZE) {
    let ch = c0 + e % CC;
    let q = e / CC;
    let gx = i32(x0 + q % HX) - i32(R);
    let gy = i32(y0 + q / HX) - i32(R);
    var s = 0.0;
    if (gx >= 0 && gx < i32(P.w) && gy >= 0 && gy < i32(P.h) && ch < P.c) {
      let pix = u32(gy) * P.w + u32(gx);
      for (var d = 0u; d < P.n; d++) {
        let pd = d * plane + pix;
        s = fma(A[pd * P.c + ch], M[pd], s);
      }
    }
    S[e] = s;
  }
  workgroupBarrier();

  let lc = li % CC;
  let ch = c0 + lc;
  for (var i = 0u; i < PPT; i++) {
    let p = li / CC + LANES * i;
    let tx = p % TX;
    let ty = p / TX;
    let gx = x0 + tx;
    let gy = y0 + ty;
    if (p < TX * TY && gx < P.w && gy < P.h && ch < P.c) {
      var q = 0.0;
      for (var dy = 0u; dy <= 2u * R; dy++) {
        for (var dx = 0u; dx <= 2u * R; dx++) {
          q += S[((ty + dy) * HX + tx + dx) * CC + lc];
        }
      }
      dst[(gy * P.w + gx) * P.c + ch] = q;
    }
  }
}
