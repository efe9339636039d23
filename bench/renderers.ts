/**
 * Render time of the four notebook renderers in headless Chromium (the same page as
 * test/renderers/): for each payload fixture, the median of 5 renders of a fresh output (from
 * `renderOutputItem` to a forced layout; Chart.js draws synchronously with animations off, so the
 * canvas drawing is included), and the in-place update of a live training output (what happens up
 * to 10 times a second during `fit`). Figures, not pass/fail.
 *
 *   npm run bench:renderers        (production build: minified bundles, as shipped)
 *
 * Writes bench/results/renderers.md and renderers.json.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { chromiumVersion, FIXTURE_NAMES, FIXTURES, openRendererPage, readFixture, RENDERER_OF, REPO } from '../test/renderers/harness';
import { median, round } from './stats';

const RUNS = 5;
/** The largest fixture of each renderer: the ones the summary names. */
const HEADLINE = new Set(['tensor-large', 'model-cifar-cnn', 'model-functional', 'training-running', 'chart-confusion', 'chart-line']);

const ms = (x: number): number => round(x, 2);

interface Row {
  fixture: string;
  renderer: string;
  payloadKB: number;
  medianMs: number;
  runsMs: number[];
}

async function main(): Promise<void> {
  const page = await openRendererPage();
  const rows: Row[] = [];
  let update: { medianMs: number; runsMs: number[] } | undefined;
  try {
    await page.run(`for (const name of ['tensor', 'model', 'training', 'chart']) await bmnb.load(name);`);
    for (const name of FIXTURE_NAMES) {
      const { mime } = readFixture(name);
      const runs = await page.run<number[]>(`
        const f = await bmnb.fixture(${JSON.stringify(name)});
        const { api } = await bmnb.load(${JSON.stringify(RENDERER_OF[mime])});
        const text = JSON.stringify(f.data);
        const times = [];
        for (let i = 0; i < ${RUNS + 1}; i++) {
          bmnb.clear();
          await bmnb.frames(1);
          const el = bmnb.newElement('bench-' + i);
          const item = { id: 'bench-' + i, mime: f.mime, metadata: {}, json: () => JSON.parse(text), text: () => text, data: () => new TextEncoder().encode(text) };
          const t0 = performance.now();
          await api.renderOutputItem(item, el, new AbortController().signal);
          void el.offsetHeight;
          times.push(performance.now() - t0);
        }
        // the first run warms up the JIT
        return times.slice(1);`);
      rows.push({
        fixture: name,
        renderer: RENDERER_OF[mime],
        payloadKB: Math.round(readFileSync(join(FIXTURES, `${name}.json`)).length / 102.4) / 10,
        medianMs: ms(median(runs)),
        runsMs: runs.map(ms),
      });
      console.log(`${name}: ${ms(median(runs))} ms`);
    }
    // In-place update of a live training output: alternate two payloads of the same run.
    const runs = await page.run<number[]>(`
      const f = await bmnb.fixture('training-running');
      const { api } = await bmnb.load('training');
      const a = JSON.stringify(f.data);
      const p = JSON.parse(a);
      p.batch += 1; for (const k of Object.keys(p.batches.values)) p.batches.values[k].push(p.batches.values[k].at(-1));
      p.batches.x.push(p.batches.x.at(-1) + 0.001);
      const b = JSON.stringify(p);
      bmnb.clear();
      const el = bmnb.newElement('live');
      const item = (text) => ({ id: 'live', mime: f.mime, metadata: {}, json: () => JSON.parse(text), text: () => text, data: () => new TextEncoder().encode(text) });
      api.renderOutputItem(item(a), el, new AbortController().signal);
      const times = [];
      for (let i = 0; i < ${RUNS + 1}; i++) {
        await bmnb.frames(1);
        const t0 = performance.now();
        api.renderOutputItem(item(i % 2 ? a : b), el, new AbortController().signal);
        void el.offsetHeight;
        times.push(performance.now() - t0);
      }
      return times.slice(1);`);
    update = { medianMs: ms(median(runs)), runsMs: runs.map(ms) };
    console.log(`training update in place: ${update.medianMs} ms`);
  } finally {
    await page.close();
  }

  const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'CPU'}`;
  const browser = chromiumVersion();
  const results = { date: new Date().toISOString(), machine, browser, runs: RUNS, build: 'production (minified)', fixtures: rows, trainingUpdate: update };
  const md = [
    '# Renderer render time',
    '',
    `${results.date.slice(0, 10)} · ${machine} · ${browser}, headless`,
    '',
    '| renderer | fixture | payload | median | all runs (ms) |',
    '| --- | --- | ---: | ---: | --- |',
    ...rows.map((r) => `| ${r.renderer} | ${HEADLINE.has(r.fixture) ? `**${r.fixture}**` : r.fixture} | ${r.payloadKB} KB | ${r.medianMs} ms | ${r.runsMs.join(', ')} |`),
    `| training | training-running, **update in place** | | ${update?.medianMs} ms | ${update?.runsMs.join(', ')} |`,
    '',
    `Median of ${RUNS} renders of a fresh output element (after one warm-up), from \`renderOutputItem\` to a forced layout;`,
    'Chart.js draws synchronously (animations off), so drawing the canvases is included, decoding images is not.',
    'Bold: the largest fixture of each renderer. "Update in place": a newer payload of a live training output',
    'rendered into the same element (the kernel sends up to 10 a second). Reproduce: `npm run bench:renderers`.',
    '',
  ].join('\n');
  mkdirSync(join(REPO, 'bench', 'results'), { recursive: true });
  writeFileSync(join(REPO, 'bench', 'results', 'renderers.json'), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(join(REPO, 'bench', 'results', 'renderers.md'), md);
  console.log(md);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
