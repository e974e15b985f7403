import { installNodeWebGPU } from './node-webgpu';

await installNodeWebGPU();
