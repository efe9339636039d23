/** Payload shapes shared by the kernel, the hosts and the renderers: plain JSON only. */

export type BackendName = 'tensorflow-gpu' | 'tensorflow' | 'webgpu' | 'wasm' | 'cpu';

/** Every backend, in the order `auto` tries them (webgpu is only used when named). */
export const BACKENDS: readonly BackendName[] = ['tensorflow-gpu', 'tensorflow', 'webgpu', 'wasm', 'cpu'];
export const AUTO_ORDER: readonly BackendName[] = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];

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
