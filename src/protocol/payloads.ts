/** Payload shapes shared by the kernel, the hosts and the renderers: plain JSON only. */

export type BackendName = 'tensorflow-gpu' | 'tensorflow' | 'webgpu' | 'wasm' | 'cpu';

/** Every backend, in the order `auto` tries them. */
export const BACKENDS: readonly BackendName[] = ['tensorflow-gpu', 'tensorflow', 'webgpu', 'wasm', 'cpu'];
/** webgpu is tried only on a hardware adapter (a software one is slower than wasm). */
export const AUTO_ORDER: readonly BackendName[] = ['tensorflow-gpu', 'tensorflow', 'webgpu', 'wasm', 'cpu'];

/** The GPU a webgpu session runs on, as Dawn describes its adapter. */
export interface GpuAdapter {
  /** e.g. "NVIDIA H100 80GB HBM3", "llvmpipe". */
  name: string;
  vendor: string;
  architecture?: string;
  /** A software rasterizer (lavapipe, SwiftShader): correct, but slower than wasm. */
  software: boolean;
  /** The driver, as Dawn reports it (e.g. "Mesa 25.0.7 (LLVM 15.0.6)"). */
  driver?: string;
  limits: {
    maxBufferSize: number;
    maxStorageBufferBindingSize: number;
    maxComputeWorkgroupStorageSize: number;
    maxComputeInvocationsPerWorkgroup: number;
  };
}

/** The npm package that provides each backend (the native ones are never bmnb's own dependencies). */
/**
 * The package names that all mean the session's one tfjs instance (tfjs-node's included, whatever
 * the backend): what a cell's `import`/`require` of them gives (src/session/modules.ts) and the
 * types the cells' language service gives them (src/language/service.ts).
 */
export const TFJS_PACKAGE_NAMES = /^@tensorflow\/tfjs(-node|-node-gpu|-core|-layers|-converter|-data)?$/;

export const BACKEND_PACKAGES: Readonly<Record<BackendName, string>> = {
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
  tensorflow: '@tensorflow/tfjs-node',
  webgpu: '@tensorflow/tfjs-backend-webgpu',
  wasm: '@tensorflow/tfjs-backend-wasm',
  cpu: '@tensorflow/tfjs-backend-cpu',
};

/** One representation of an output: `data` is a string for text types, JSON for `*+json`, base64 for binary. */
export interface OutputItemPayload {
  mime: string;
  data: unknown;
}
