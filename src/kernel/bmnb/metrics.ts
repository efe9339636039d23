/**
 * `metrics` of the bmnb module: classification scores computed from true and predicted labels,
 * as plain numbers. Labels are class ids (arrays or tensors) or one-hot / probability rows (arrays
 * of rows or `[N, C]` tensors, reduced by argmax), so `model.predict(x)` can be passed as it is.
 * Tensors are read synchronously and left as they are (not disposed).
 */
import type { Tfjs } from '../backends';
import { classCount, classIds } from './labels';

export interface PerClassScores {
  /** One score per class id 0 … numClasses-1. */
  perClass: number[];
  /** The mean of `perClass` over the classes that occur in yTrue or yPred (scikit-learn's default). */
  macro: number;
}

export function makeMetrics(tf: Tfjs) {
  function pairs(yTrue: unknown, yPred: unknown, numClasses: unknown, what: string) {
    const t = classIds(tf, yTrue, `${what} yTrue`);
    const p = classIds(tf, yPred, `${what} yPred`);
    if (t.ids.length !== p.ids.length) {
      throw new RangeError(`${what}: yTrue has ${t.ids.length} labels but yPred has ${p.ids.length}; they must pair up (one prediction per example).`);
    }
    const n = classCount(numClasses, what, t, p);
    return { t: t.ids, p: p.ids, n };
  }

  function counts(yTrue: unknown, yPred: unknown, numClasses: unknown, what: string): number[][] {
    const { t, p, n } = pairs(yTrue, yPred, numClasses, what);
    const m = Array.from({ length: n }, () => new Array<number>(n).fill(0));
    for (let i = 0; i < t.length; i++) m[t[i]!]![p[i]!]!++;
    return m;
  }

  /** Per-class true positives, predicted counts (column sums) and support (row sums). */
  function tallies(m: number[][]) {
    const n = m.length;
    const tp = m.map((row, i) => row[i]!);
    const predicted = Array.from({ length: n }, (_, j) => m.reduce((s, row) => s + row[j]!, 0));
    const support = m.map((row) => row.reduce((s, v) => s + v, 0));
    const occurs = tp.map((_, i) => predicted[i]! > 0 || support[i]! > 0);
    return { tp, predicted, support, occurs };
  }

  const ratio = (a: number, b: number) => (b === 0 ? 0 : a / b);

  function scores(perClass: number[], occurs: boolean[]): PerClassScores {
    const used = perClass.filter((_, i) => occurs[i]);
    return { perClass, macro: used.length === 0 ? 0 : used.reduce((s, v) => s + v, 0) / used.length };
  }

  /**
   * Counts of (true, predicted) pairs: `m[i][j]` is the number of examples of class `i` predicted
   * as class `j` (rows true, columns predicted, as scikit-learn). `numClasses` defaults to the
   * rows' width or the largest class id + 1. Draw it with `display.confusionMatrix`.
   *
   * @example
   * import { metrics } from 'bmnb';
   * metrics.confusionMatrix([0, 1, 2, 2, 1], [0, 2, 2, 2, 1])   // [[1, 0, 0], [0, 1, 1], [0, 0, 2]]
   */
  function confusionMatrix(yTrue: unknown, yPred: unknown, numClasses?: number): number[][] {
    return counts(yTrue, yPred, numClasses, 'metrics.confusionMatrix');
  }

  /**
   * The fraction of examples whose predicted class is the true one, from 0 to 1.
   *
   * @example
   * import * as tf from '@tensorflow/tfjs';
   * import { metrics } from 'bmnb';
   * const yTrue = tf.tensor1d([0, 1, 1, 0], 'int32');
   * const probabilities = tf.tensor2d([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.7, 0.3]]);   // e.g. model.predict(x)
   * metrics.accuracy(yTrue, probabilities)   // 0.75
   */
  function accuracy(yTrue: unknown, yPred: unknown): number {
    const { t, p } = pairs(yTrue, yPred, undefined, 'metrics.accuracy');
    if (t.length === 0) throw new RangeError('metrics.accuracy: yTrue and yPred are empty; accuracy needs at least one example.');
    let right = 0;
    for (let i = 0; i < t.length; i++) if (t[i] === p[i]) right++;
    return right / t.length;
  }

  /**
   * Precision of each class: of the examples predicted as class c, the fraction that are c
   * (TP / (TP + FP)). A class never predicted has precision 0 (scikit-learn's `zero_division=0`).
   * `macro` is the mean over the classes that occur in yTrue or yPred.
   *
   * @example
   * import { metrics } from 'bmnb';
   * const p = metrics.precision([0, 1, 2, 2, 1], [0, 2, 2, 2, 1]);
   * console.log(p.perClass.map((v) => v.toFixed(3)).join(' '), p.macro.toFixed(3));   // 1.000 1.000 0.667 0.889
   */
  function precision(yTrue: unknown, yPred: unknown, numClasses?: number): PerClassScores {
    const { tp, predicted, occurs } = tallies(counts(yTrue, yPred, numClasses, 'metrics.precision'));
    return scores(tp.map((v, i) => ratio(v, predicted[i]!)), occurs);
  }

  /**
   * Recall of each class: of the examples of class c, the fraction predicted as c
   * (TP / (TP + FN)). A class with no examples in yTrue has recall 0 (scikit-learn's
   * `zero_division=0`). `macro` is the mean over the classes that occur in yTrue or yPred.
   *
   * @example
   * import { metrics } from 'bmnb';
   * const r = metrics.recall([0, 1, 2, 2, 1], [0, 2, 2, 2, 1]);
   * console.log(r.perClass.map((v) => v.toFixed(3)).join(' '), r.macro.toFixed(3));   // 1.000 0.500 1.000 0.833
   */
  function recall(yTrue: unknown, yPred: unknown, numClasses?: number): PerClassScores {
    const { tp, support, occurs } = tallies(counts(yTrue, yPred, numClasses, 'metrics.recall'));
    return scores(tp.map((v, i) => ratio(v, support[i]!)), occurs);
  }

  /**
   * F1 score of each class: the harmonic mean of its precision and recall,
   * 2·TP / (2·TP + FP + FN). A class with no true positives has F1 0 (scikit-learn's
   * `zero_division=0`). `macro` is the mean over the classes that occur in yTrue or yPred.
   *
   * @example
   * import { datasets, metrics, display } from 'bmnb';
   * const { yTest, classNames } = await datasets.mnist({ trainSize: 0, testSize: 500 });
   * const guesses = yTest.arraySync().map((y, i) => (i % 10 === 0 ? (y + 1) % 10 : y));   // 90% right
   * const f = metrics.f1(yTest, guesses);
   * display.bar(classNames, { f1: f.perClass }, { title: `F1 per digit (macro ${f.macro.toFixed(3)})` });
   */
  function f1(yTrue: unknown, yPred: unknown, numClasses?: number): PerClassScores {
    const { tp, predicted, support, occurs } = tallies(counts(yTrue, yPred, numClasses, 'metrics.f1'));
    return scores(tp.map((v, i) => ratio(2 * v, predicted[i]! + support[i]!)), occurs);
  }

  return { confusionMatrix, accuracy, precision, recall, f1 };
}

export type Metrics = ReturnType<typeof makeMetrics>;
