/**
 * The `bmnb` module as cells' types see it (what `import { … } from 'bmnb'` gives): the values of
 * `BmnbModule` as named exports, and every type of the library. notebookProgram.test.ts checks that
 * the names here are exactly BmnbModule's.
 */
import type { BmnbModule } from '../../cellLibrary/api';

export * from '../../cellLibrary/api';
export declare const datasets: BmnbModule['datasets'];
export declare const display: BmnbModule['display'];
export declare const metrics: BmnbModule['metrics'];
export declare const augment: BmnbModule['augment'];
export declare const oneHot: BmnbModule['oneHot'];
export declare const toCategorical: BmnbModule['toCategorical'];
