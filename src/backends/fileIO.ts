/**
 * `file://` model saving and loading for the session's tfjs, whatever the backend, as
 * `@tensorflow/tfjs-node` does it (its own handlers are used when it is the backend):
 *
 * - `model.save('file://dir')` writes tfjs's standard layout, `dir/model.json` and
 *   `dir/weights.bin` (what tfjs-node writes and `tensorflowjs_converter` reads), creating `dir`.
 * - `tf.loadLayersModel('file://dir/model.json')` and `tf.loadGraphModel(…)` read it back, with
 *   every weight file its manifest names; weights round-trip bit-exactly.
 * - Relative paths resolve from the notebook's folder.
 * - Each file is written to a temporary name and renamed into place, weights first: an interrupt or
 *   a crash never leaves a half-written file, and a model.json never names weights not yet written.
 * - Bad input (a missing file, weights shorter than the manifest says, a folder that cannot be
 *   written, a path that is a file) is an error that names the path and says what to do.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import type { TF, Tfjs } from './tfjs';

const SCHEME = 'file://';
const MODEL_JSON = 'model.json';
const WEIGHTS_BIN = 'weights.bin';

/** Bytes per element of a weight as stored (after quantization, if any). */
const BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2, int8: 1, int16: 2, complex64: 8 };

/** The absolute path a `file://` URL names, relative ones from the notebook's folder. */
export function filePath(url: string, notebookDir: string): string {
  const path = decodeURIComponent(url.slice(SCHEME.length));
  return isAbsolute(path) ? path : resolve(notebookDir, path);
}

function why(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  const what: Record<string, string> = { EACCES: 'permission denied', EPERM: 'not permitted', EROFS: 'the file system is read-only', ENOSPC: 'the disk is full', ENOTDIR: 'a part of the path is a file' };
  return e.code && what[e.code] ? `${what[e.code]} (${e.code})` : e.message;
}

/** Writes `data` to `path` through a temporary file in the same folder, synced, then renamed over it. */
function writeAtomic(path: string, data: Uint8Array): void {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}-${Date.now().toString(36)}.tmp`);
  try {
    const fd = openSync(temp, 'w');
    try {
      for (let off = 0; off < data.length; ) off += writeSync(fd, data, off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
  } catch (err) {
    rmSync(temp, { force: true });
    throw err;
  }
}

function saveHandler(tf: Tfjs, dir: string, url: string): TF.io.IOHandler {
  return {
    save: async (artifacts: TF.io.ModelArtifacts): Promise<TF.io.SaveResult> => {
      if (artifacts.modelTopology instanceof ArrayBuffer) throw new Error(`model.save('${url}'): binary (protobuf) model topologies are not supported; save a layers model`);
      if (existsSync(dir) && !statSync(dir).isDirectory()) {
        throw new Error(`model.save('${url}'): ${dir} is a file. Name a folder: model.json and weights.bin are written into it.`);
      }
      try {
        mkdirSync(dir, { recursive: true });
        const weights = artifacts.weightData ? new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData)) : new Uint8Array(0);
        const modelJSON: Record<string, unknown> = {
          modelTopology: artifacts.modelTopology,
          weightsManifest: [{ paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs ?? [] }],
          format: artifacts.format,
          generatedBy: artifacts.generatedBy,
          convertedBy: artifacts.convertedBy,
        };
        for (const key of ['trainingConfig', 'signature', 'userDefinedMetadata', 'modelInitializer', 'initializerSignature'] as const) {
          if (artifacts[key] != null) modelJSON[key] = artifacts[key];
        }
        // Weights first: model.json never names weights that are not in place yet.
        writeAtomic(join(dir, WEIGHTS_BIN), weights);
        writeAtomic(join(dir, MODEL_JSON), new TextEncoder().encode(JSON.stringify(modelJSON)));
      } catch (err) {
        throw new Error(`model.save('${url}'): cannot write the model to ${dir}: ${why(err)}. Choose a folder you can write to.`);
      }
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },
  };
}

/** The bytes a manifest's weights take, or undefined when it cannot be known (string weights). */
function expectedBytes(specs: TF.io.WeightsManifestEntry[]): number | undefined {
  let total = 0;
  for (const spec of specs) {
    const dtype = spec.quantization?.dtype ?? spec.dtype;
    const bytes = BYTES[dtype];
    if (bytes === undefined) return undefined;
    total += spec.shape.reduce((n, d) => n * d, 1) * bytes;
  }
  return total;
}

function loadHandler(tf: Tfjs, path: string, url: string): TF.io.IOHandler {
  return {
    load: async (): Promise<TF.io.ModelArtifacts> => {
      if (!existsSync(path)) {
        throw new Error(`Loading '${url}': ${path} does not exist. Give the path of a model.json (saved with model.save('file://folder')), relative to the notebook's folder or absolute.`);
      }
      if (statSync(path).isDirectory()) {
        const inside = join(path, MODEL_JSON);
        throw new Error(`Loading '${url}': ${path} is a folder. Name its model.json: '${SCHEME}${existsSync(inside) ? inside : join(path, MODEL_JSON)}'.`);
      }
      let modelJSON: TF.io.ModelJSON;
      try {
        modelJSON = JSON.parse(readFileSync(path, 'utf8')) as TF.io.ModelJSON;
      } catch (err) {
        throw new Error(`Loading '${url}': ${path} is not a model.json (${(err as Error).message}).`);
      }
      if (modelJSON == null || typeof modelJSON !== 'object' || !('modelTopology' in modelJSON)) {
        throw new Error(`Loading '${url}': ${path} has no modelTopology; it is not a tfjs model.json.`);
      }
      return tf.io.getModelArtifactsForJSON(modelJSON, async (manifest) => {
        const buffers: Uint8Array[] = [];
        const specs: TF.io.WeightsManifestEntry[] = [];
        let size = 0;
        for (const group of manifest) {
          for (const name of group.paths) {
            const file = join(dirname(path), name);
            if (!existsSync(file)) throw new Error(`Loading '${url}': the weight file ${file} named in its weightsManifest does not exist.`);
            const bytes = readFileSync(file);
            buffers.push(bytes);
            size += bytes.length;
          }
          specs.push(...group.weights);
        }
        const expected = expectedBytes(specs);
        if (expected !== undefined && expected !== size) {
          const files = manifest.flatMap((g) => g.paths).join(', ');
          throw new Error(
            `Loading '${url}': its weight files (${files}) hold ${size.toLocaleString('en-US')} bytes but the weightsManifest needs ${expected.toLocaleString('en-US')}: ` +
              `they are ${size < expected ? 'truncated' : 'from another model'}. Save the model again.`,
          );
        }
        const data = new Uint8Array(size);
        let offset = 0;
        for (const b of buffers) {
          data.set(b, offset);
          offset += b.length;
        }
        return [specs, data.buffer];
      });
    },
  };
}

/**
 * Registers the `file://` save and load routers on the session's tfjs, unless it has some already
 * (tfjs-node registers its own). Returns whether bmnb's are in place.
 */
export function registerFileIO(tf: Tfjs, notebookDir: string): boolean {
  if (tf.io.getSaveHandlers(`${SCHEME}probe`).length > 0 || tf.io.getLoadHandlers(`${SCHEME}probe`).length > 0) return false;
  // (A router answers null for URLs that are not its own, as tfjs's own routers do; its type says IOHandler.)
  const router = (make: (path: string, url: string) => TF.io.IOHandler) => (url: string | string[]): TF.io.IOHandler => {
    const one = Array.isArray(url) ? url[0] : url;
    if (typeof one !== 'string' || !one.startsWith(SCHEME)) return null as unknown as TF.io.IOHandler;
    if (Array.isArray(url) && url.length > 1) throw new Error(`bmnb loads a model from one model.json; got ${url.length} paths (binary graph models are not supported)`);
    return make(filePath(one, notebookDir), one);
  };
  tf.io.registerSaveRouter(router((path, url) => saveHandler(tf, path, url)));
  tf.io.registerLoadRouter(router((path, url) => loadHandler(tf, path, url)));
  return true;
}
