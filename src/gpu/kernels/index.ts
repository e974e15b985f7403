// The four custom WebGPU kernels (docs/kernels.md). Inputs: float32 NHWC
// tensors on TF.js's 'webgpu' backend (CPU-resident ones are uploaded);
// outputs: new TF.js tensors on the GPU (tidy-aware, free with dispose()).
export { flowWarp } from './flow-warp';
export { correlation } from './correlation';
export { dcnAlign } from './dcn-align';
export { dlfl } from './dlfl';
