/** The hand-written network engine (docs/NETWORK.md): exports only. */
export { ActorCritic, DEFAULT_NET_CONFIG, InferenceSession, Workspace, buildLayout, netConfig } from './network.js';
export type { NetConfig, NetJSON, NetOutput, SeqBatch } from './network.js';
export { ParamLayout, decodeFloat32, encodeFloat32, getAsTorch, initUniform, setFromTorch } from './params.js';
export type { TensorSpec } from './params.js';
export { addColumnSums, fillRows, gemmNN, gemmNNBias, gemmNT, gemmTN, kernelBackend, selectKernels } from './kernels.js';
export type { KernelBackend } from './kernels.js';
