// The trained network: manifest checks, weight loading, the TF.js + WGSL graph.
export { checkManifest, expectedWeights, ModelLoadError, weightBytes, type Arch, type ModelManifest } from './manifest';
export { disposeModel, loadModel, urlReader, type LoadedModel, type ModelFileReader } from './load-model';
export { CENTRE, disposeEncoded, Network, PAD_MULTIPLE, WINDOW, type Encoded, type RestoreStages } from './network';
export { countFlops, type StageFlops } from './flops';
