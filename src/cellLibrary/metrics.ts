/** `metrics` of the bmnb module (declared in api.ts, with its docs and examples). */
import type { Tfjs } from '../backends/tfjs';
import { classCount, classIds } from './labels';
import type { Metrics, PerClassScores } from './api';

export function makeMetrics(tf: Tfjs): Metrics {
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

  function confusionMatrix(yTrue: unknown, yPred: unknown, numClasses?: number): number[][] {
    return counts(yTrue, yPred, numClasses, 'metrics.confusionMatrix');
  }

  function accuracy(yTrue: unknown, yPred: unknown): number {
    const { t, p } = pairs(yTrue, yPred, undefined, 'metrics.accuracy');
    if (t.length === 0) throw new RangeError('metrics.accuracy: yTrue and yPred are empty; accuracy needs at least one example.');
    let right = 0;
    for (let i = 0; i < t.length; i++) if (t[i] === p[i]) right++;
    return right / t.length;
  }

  function precision(yTrue: unknown, yPred: unknown, numClasses?: number): PerClassScores {
    const { tp, predicted, occurs } = tallies(counts(yTrue, yPred, numClasses, 'metrics.precision'));
    return scores(tp.map((v, i) => ratio(v, predicted[i]!)), occurs);
  }

  function recall(yTrue: unknown, yPred: unknown, numClasses?: number): PerClassScores {
    const { tp, support, occurs } = tallies(counts(yTrue, yPred, numClasses, 'metrics.recall'));
    return scores(tp.map((v, i) => ratio(v, support[i]!)), occurs);
  }

  function f1(yTrue: unknown, yPred: unknown, numClasses?: number): PerClassScores {
    const { tp, predicted, support, occurs } = tallies(counts(yTrue, yPred, numClasses, 'metrics.f1'));
    return scores(tp.map((v, i) => ratio(2 * v, predicted[i]! + support[i]!)), occurs);
  }

  return { confusionMatrix, accuracy, precision, recall, f1 };
}

