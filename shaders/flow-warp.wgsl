// flow-warp.wgsl — backward bilinear warp.
//   out(n,y,x,ch) = bilinear(x_in(n,·,·,ch), (y + flow(n,y,x,1), x + flow(n,y,x,0)))
// flow channel 0 is dx (columns), 1 is dy (rows). Integer coordinates are pixel
// centres; each of the four bilinear neighbours outside the map contributes 0
// (PyTorch grid_sample, padding_mode='zeros', align_corners=True).
// Layout: NHWC float32, x [n,h,w,c], flow [n,h,w,2], out [n,h,w,c].
// Work split: one invocation per output element over the flat NHWC index,
// channels fastest, so the invocations of a workgroup read consecutive
// channels of the same four neighbour pixels (coalesced) and the flow vector
// of a pixel is a broadcast load. 1-D workgroups of WG_SIZE; the workgroup
// count is folded into (x, y) when it exceeds 65535.
// Injected constants: WG_SIZE (u32).

struct Params {
  h: u32,
  w: u32,
  c: u32,
  total: u32,   // n*h*w*c
  groupsX: u32, // workgroups along x of the dispatch
};

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read> flow: array<f32>;
@group(0) @binding(3) var<storage, read_write> dst: array<f32>;

@compute @workgroup_size(WG_SIZE)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let idx = (wg.y * P.groupsX + wg.x) * WG_SIZE + li;
  if (idx >= P.total) {
    return;
  }
  let ch = idx % P.c;
  let pix = idx / P.c;           // flat (n, y, x)
  let px = pix % P.w;
  let py = (pix / P.w) % P.h;
  let base = pix - (py * P.w + px); // first pixel of this image

  let sx = f32(px) + flow[2u * pix];
  let sy = f32(py) + flow[2u * pix + 1u];
  // Clamp far-away points (all four neighbours are outside anyway) so that the
  // float -> int conversion stays in range.
  let cx = clamp(sx, -2.0, f32(P.w) + 1.0);
  let cy = clamp(sy, -2.0, f32(P.h) + 1.0);
  let x0f = floor(cx);
  let y0f = floor(cy);
  let lx = cx - x0f;
  let ly = cy - y0f;
  let x0 = i32(x0f);
  let y0 = i32(y0f);
  let W = i32(P.w);
  let H = i32(P.h);

  var acc = 0.0;
  for (var k = 0; k < 4; k++) {
    let yy = y0 + (k >> 1);
    let xx = x0 + (k & 1);
    if (yy >= 0 && yy < H && xx >= 0 && xx < W) {
      let wy = select(1.0 - ly, ly, (k >> 1) == 1);
      let wx = select(1.0 - lx, lx, (k & 1) == 1);
      acc += wy * wx * src[(base + u32(yy) * P.w + u32(xx)) * P.c + ch];
    }
  }
  dst[idx] = acc;
}
