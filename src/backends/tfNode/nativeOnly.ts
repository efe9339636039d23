/**
 * The members of tfjs-node's `tf.node` that need TensorFlow's native library (libtensorflow) and
 * cannot be honest without it: SavedModel loading and inspection. Each throws (or, where tfjs-node's
 * function is async, rejects with) an Error that says how to get the native backend.
 */
import { BACKEND_PACKAGES } from '../../protocol/payloads';
import type { Tfjs } from '../tfjs';

const NATIVE = BACKEND_PACKAGES.tensorflow;

/** The message of every native-only member: what is missing, and how to get it. */
export function needsNativeMessage(member: string, backend: string, notebookDir: string): string {
  return (
    `tf.node.${member} needs TensorFlow's native library (libtensorflow), which ${NATIVE} brings; ` +
    `this kernel runs on the ${backend} backend without it. To use it, install the native backend: run ` +
    `\`npm install ${NATIVE}\` in the notebook's folder (${notebookDir}), or point BMNB_TFJS_NODE_PATH at a folder ` +
    `where it is installed; the kernel's \`auto\` backend picks it up on the next kernel start (restart the kernel). ` +
    `Without it, a SavedModel can still be converted with tensorflowjs_converter --input_format=tf_saved_model ` +
    `and loaded with tf.loadGraphModel.`
  );
}

/** `loadSavedModel`, `getMetaGraphsFromSavedModel`, `getNumOfSavedModels` and `TFSavedModel`, each refusing. */
export function makeNativeOnly(tf: Tfjs, notebookDir: string) {
  const refuse = (member: string) => new Error(needsNativeMessage(member, tf.getBackend() ?? 'current', notebookDir));
  /** tfjs-node's SavedModel class: constructing one needs libtensorflow. */
  class TFSavedModel {
    constructor() {
      throw refuse('TFSavedModel');
    }
  }
  return {
    /** Needs libtensorflow: rejects with how to install `@tensorflow/tfjs-node`. */
    loadSavedModel: async (..._args: unknown[]): Promise<never> => {
      throw refuse('loadSavedModel');
    },
    /** Needs libtensorflow: rejects with how to install `@tensorflow/tfjs-node`. */
    getMetaGraphsFromSavedModel: async (..._args: unknown[]): Promise<never> => {
      throw refuse('getMetaGraphsFromSavedModel');
    },
    /** Needs libtensorflow: throws with how to install `@tensorflow/tfjs-node`. */
    getNumOfSavedModels: (): never => {
      throw refuse('getNumOfSavedModels');
    },
    TFSavedModel,
  };
}
