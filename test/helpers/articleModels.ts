/**
 * The five articles' models as cell code (layers, input shape, loss), for the tests that train
 * them on a backend: test/articleModels.test.ts (auto) and test/webgpu.test.ts (against cpu).
 */
const conv = (filters: number, inputShape?: string) =>
  `tf.layers.conv2d({ filters: ${filters}, kernelSize: 3, activation: 'relu'${inputShape ? `, inputShape: ${inputShape}` : ''} })`;
const pool = 'tf.layers.maxPooling2d({ poolSize: 2 })';
const dense = (units: number, activation?: string, inputShape?: string) =>
  `tf.layers.dense({ units: ${units}${activation ? `, activation: '${activation}'` : ''}${inputShape ? `, inputShape: ${inputShape}` : ''} })`;

export interface ArticleModel {
  layers: string[];
  input: number[];
  /** A Keras loss name, or `logits` (003 trains from logits: softmaxCrossEntropy on one-hot labels). */
  loss: string;
}

export const ARTICLE_MODELS: Record<string, ArticleModel> = {
  '000 CIFAR-10 CNN': {
    layers: [conv(32, '[32, 32, 3]'), pool, conv(64), pool, conv(64), 'tf.layers.flatten()', dense(64, 'relu'), dense(10, 'softmax')],
    input: [32, 32, 3],
    loss: 'sparseCategoricalCrossentropy',
  },
  '001 CIFAR-10 small CNN': {
    layers: [conv(32, '[32, 32, 3]'), pool, 'tf.layers.flatten()', dense(64, 'relu'), dense(10, 'softmax')],
    input: [32, 32, 3],
    loss: 'sparseCategoricalCrossentropy',
  },
  '002 MNIST CNN': {
    layers: [conv(32, '[28, 28, 1]'), pool, conv(64), pool, conv(64), 'tf.layers.flatten()', dense(64, 'relu'), dense(10, 'softmax')],
    input: [28, 28, 1],
    loss: 'sparseCategoricalCrossentropy',
  },
  '003 MNIST dense 784-64-10': {
    layers: [dense(64, 'relu', '[784]'), dense(10)],
    input: [784],
    loss: 'logits',
  },
  '004 MNIST conv32-pool-dense128': {
    layers: [conv(32, '[28, 28, 1]'), pool, 'tf.layers.flatten()', dense(128, 'relu'), dense(10, 'softmax')],
    input: [28, 28, 1],
    loss: 'categoricalCrossentropy',
  },
};

/** The loss as cell code: a quoted Keras name, or a function for `logits`. */
export function lossCode(m: ArticleModel): string {
  return m.loss === 'logits' ? '(yTrue: tf.Tensor, yPred: tf.Tensor) => tf.losses.softmaxCrossEntropy(yTrue, yPred)' : `'${m.loss}'`;
}

/** Whether the model's labels are one-hot rows (else class ids). */
export function oneHotLabels(m: ArticleModel): boolean {
  return m.loss === 'categoricalCrossentropy' || m.loss === 'logits';
}
