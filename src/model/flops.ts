// FLOPs (2 × multiply-adds) per output frame, counted from the architecture
// exactly as training/model.py's count_flops does (the tests check they agree).
// Each frame is encoded once (the engine caches encodings), so one output
// costs one encoder pass, 4 flows, 5 alignments, one fusion and one decoder.
import type { Arch } from './manifest';
import { PAD_MULTIPLE, WINDOW } from './network';

export interface StageFlops {
  encode: number;
  flow: number;
  align: number;
  fuse: number;
  frames: number;
  decode: number;
  total: number;
}

const conv = (p: number, cin: number, cout: number, k = 3) => 2 * k * k * cin * cout * p;

export function countFlops(a: Arch, h: number, w: number): StageFlops {
  const hp = h + ((PAD_MULTIPLE - (h % PAD_MULTIPLE)) % PAD_MULTIPLE);
  const wp = w + ((PAD_MULTIPLE - (w % PAD_MULTIPLE)) % PAD_MULTIPLE);
  const [p1, p2, p4] = [hp * wp, (hp * wp) / 4, (hp * wp) / 16];
  const cv = (2 * a.d + 1) ** 2;
  const encode =
    conv(p1, 3, a.c1) + 4 * conv(p1, a.c1, a.c1) + conv(p2, a.c1, a.c2) + 4 * conv(p2, a.c2, a.c2) +
    conv(p4, a.c2, a.c) + 4 * conv(p4, a.c, a.c) + conv(p4, a.c, a.c / 2) + conv(p4, a.c / 2, 1);
  let flow = 0;
  if (a.flow && a.align) {
    const cg = a.flow_features || a.c;
    for (let l = 0; l < a.flow_levels; l++) {
      const p = p4 / 4 ** l;
      flow += 2 * cv * cg * p + 8 * cg * p + conv(p, cv + 2, a.flow_width) + conv(p, a.flow_width, a.flow_width) + conv(p, a.flow_width, 2);
    }
    flow *= WINDOW - 1;
    const g = a.flow_features;
    if (g) flow += conv(p2, 3, g / 2) + conv(p2, g / 2, g / 2) + conv(p4, g / 2, g) + conv(p4, g, g); // once per frame
  }
  let align = WINDOW * (conv(p4, a.c, a.c) + 9 * 8 * (a.c + 1) * p4);
  if (a.align && a.residual_offsets) {
    align += WINDOW * (2 * cv * a.c * p4 + 8 * a.c * p4 + conv(p4, cv, a.flow_width) + conv(p4, a.flow_width, a.flow_width) + conv(p4, a.flow_width, 18));
  }
  const fuse = WINDOW * 2 * a.c * p4 + 2 * a.k * a.k * a.c * p4 + conv(p4, a.c, a.c, 1);
  // the frame path: the flow upsampled (2 × 8 per pixel), 4 RGB warps, the conv
  const frames = a.frame_path ? (WINDOW - 1) * (16 * p1 + 8 * 3 * p1) + conv(p1, 3 * WINDOW, a.c1) : 0;
  const decode = conv(p4, a.c, 4 * a.c2) + 4 * conv(p2, a.c2, a.c2) + conv(p2, a.c2, 4 * a.c1) + 4 * conv(p1, a.c1, a.c1) + conv(p1, a.c1, 3);
  return { encode, flow, align, fuse, frames, decode, total: encode + flow + align + fuse + frames + decode };
}
