/**
 * The output reducer shared by `bmnb run` and the editor: what a cell's saved outputs look like
 * after it printed little, a lot, `\r` progress lines, many displays, or one enormous line.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MIME } from '../protocol';
import { CellOutputs, MAX_OUTPUTS, OMITTED_NOTE_PREFIX, StreamText } from './outputs';

const stdout = (data: string) => ({ items: [{ mime: MIME.stdout, data }] });

function screen(chunks: string[]): string {
  const t = new StreamText();
  for (const c of chunks) t.write(c);
  return t.text();
}

function noteOf(outputs: { items: { mime: string; data: unknown }[] }[]): string | undefined {
  const notes = outputs.filter((o) => String(o.items[0]?.data).startsWith(OMITTED_NOTE_PREFIX));
  assert.ok(notes.length <= 1, 'one note at most');
  return notes[0] ? String(notes[0].items[0]!.data) : undefined;
}

function savedBytes(outputs: { items: { data: unknown }[] }[]): number {
  return outputs.reduce((n, o) => n + o.items.reduce((m, it) => m + Buffer.byteLength(typeof it.data === 'string' ? it.data : JSON.stringify(it.data)), 0), 0);
}

describe('a cell\'s outputs', () => {
  test('chunks of one stream join one output; stdout and stderr alternate as printed; displays keep their place', () => {
    const c = new CellOutputs();
    c.stream('stdout', 'a\n');
    c.stream('stdout', 'b');
    c.stream('stdout', 'c\n');
    c.stream('stderr', 'careful\n');
    c.display([{ mime: MIME.text, data: '42' }]);
    c.stream('stdout', 'd\n');
    assert.deepEqual(c.outputs, [stdout('a\nbc\n'), { items: [{ mime: MIME.stderr, data: 'careful\n' }] }, { items: [{ mime: MIME.text, data: '42' }] }, stdout('d\n')]);
    assert.equal(c.cut, false);
  });

  test('\\r rewrites its line as a terminal does, also when the line and the \\r come in different chunks', () => {
    assert.equal(screen(['epoch 1: 10%\r', 'epoch 1: 50%\r', 'epoch 1: 100%\n', 'done\n']), 'epoch 1: 100%\ndone\n');
    assert.equal(screen(['abcdef\rxy']), 'xycdef', 'shorter text overwrites only its own width');
    assert.equal(screen(['abcdef\r', 'x', 'y']), 'xycdef', 'the cursor carries over between chunks');
    assert.equal(screen(['one\r\n', 'two\r\n']), 'one\ntwo\n', 'CRLF line ends are plain line ends');
    assert.equal(screen(['a\nb\rc\n']), 'a\nc\n');
    // 20,000 progress updates leave one line.
    const chunks = Array.from({ length: 20_000 }, (_, i) => `\rprogress ${i + 1}/20000`);
    assert.equal(screen([...chunks, '\n']), 'progress 20000/20000\n');
  });

  test('what was appended since a point can be read without the rest (the editor sends only that)', () => {
    const t = new StreamText();
    let sent = '';
    let sentLength = 0;
    let version = t.version;
    const pieces = ['line 1\nline', ' 2\n', 'partial', ' more', '\n', 'x'.repeat(70_000), '\nend'];
    for (const p of pieces) {
      t.write(p);
      assert.equal(t.version, version, 'appending never counts as a rewrite');
      sent += t.textAfter(sentLength);
      sentLength = t.length;
      assert.equal(sent, t.text());
    }
    t.write('\rEND');
    assert.notEqual(t.version, version, 'a \\r over text already there is a rewrite');
    version = t.version;
    assert.ok(t.text().endsWith('\nEND'));
  });

  test('past the limit: the first half and the last half, with one note that counts the lines and bytes left out', () => {
    const maxBytes = 64 * 1024;
    const c = new CellOutputs({ maxBytes, raiseHint: 'the setting x' });
    const total = 50_000;
    for (let i = 0; i < total; i += 100) {
      let chunk = '';
      for (let j = i; j < i + 100; j++) chunk += `line ${j}\n`;
      c.stream('stdout', chunk);
    }
    const outputs = c.outputs;
    assert.equal(c.cut, true);
    assert.equal(outputs.length, 3);
    const [head, note, tail] = outputs.map((o) => String(o.items[0]!.data));
    assert.ok(head!.startsWith('line 0\nline 1\n'), 'the head starts at the first line');
    assert.ok(tail!.endsWith(`line ${total - 1}\n`), 'the tail ends at the last line');
    assert.equal(noteOf(outputs), note);
    const headLines = head!.split('\n').length - 1;
    const tailLines = tail!.split('\n').length - 1;
    const omitted = Number(/ ([\d,]+) lines/.exec(note!)![1]!.replace(/,/g, ''));
    assert.equal(headLines + omitted + tailLines, total, note);
    const firstTail = Number(/^line (\d+)/.exec(tail!)![1]);
    assert.equal(firstTail, headLines + omitted, 'nothing between the head and the tail goes missing from the count');
    assert.match(note!, /This cell keeps up to 64\.0 KB .*raise it with the setting x/);
    assert.ok(savedBytes(outputs) <= maxBytes + note!.length, `saved ${savedBytes(outputs)} bytes`);
    // Lines are whole at both cuts.
    assert.ok(head!.endsWith('\n') && /^line \d+\n/.test(tail!));
  });

  test('memory stays bounded while a cell prints 100 MB', () => {
    const c = new CellOutputs({ maxBytes: 1024 * 1024 });
    const chunk = 'x'.repeat(999) + '\n';
    const block = chunk.repeat(64);
    for (let i = 0; i < 1600; i++) c.stream('stdout', block);
    assert.ok(savedBytes(c.outputs) <= 1024 * 1024 + 1000);
    assert.match(noteOf(c.outputs)!, /1\d\d,\d{3} lines \(9\d\.\d MB\)/);
  });

  test('one 20 MB line with no line break is cut too, and the note says how much', () => {
    const c = new CellOutputs({ maxBytes: 1024 * 1024 });
    for (let i = 0; i < 20; i++) c.stream('stdout', 'y'.repeat(1024 * 1024));
    c.stream('stdout', '\n');
    const outputs = c.outputs;
    assert.ok(savedBytes(outputs) <= 1024 * 1024 + 1000);
    assert.match(noteOf(outputs)!, /\(1\d\.\d MB\)/);
    assert.ok(String(outputs[outputs.length - 1]!.items[0]!.data).endsWith('y\n'));
  });

  test(`10,000 displays: the first and the last ones, at most ${MAX_OUTPUTS} outputs, and a note that counts the others`, () => {
    const c = new CellOutputs();
    for (let i = 0; i < 10_000; i++) c.display([{ mime: MIME.text, data: `display ${i}` }]);
    c.error({ name: 'Error', message: 'boom', stack: 'Error: boom' });
    const outputs = c.outputs;
    assert.ok(outputs.length <= MAX_OUTPUTS + 1, `${outputs.length} outputs`);
    assert.equal(outputs[0]!.items[0]!.data, 'display 0');
    assert.equal(outputs[outputs.length - 2]!.items[0]!.data, 'display 9999');
    assert.equal(outputs[outputs.length - 1]!.items[0]!.mime, MIME.error, 'the error is kept, last');
    const kept = outputs.filter((o) => String(o.items[0]!.data).startsWith('display ')).length;
    const omitted = Number(/ ([\d,]+) outputs/.exec(noteOf(outputs)!)![1]!.replace(/,/g, ''));
    assert.equal(kept + omitted, 10_000);
  });

  test('a live output is replaced in place; an update after it was left out is ignored', () => {
    const c = new CellOutputs();
    c.display([{ mime: MIME.text, data: 'epoch 1' }], 'live-1');
    c.stream('stdout', 'between\n');
    c.display([{ mime: MIME.text, data: 'epoch 2' }], 'live-1', true);
    assert.deepEqual(c.outputs, [{ items: [{ mime: MIME.text, data: 'epoch 2' }] }, stdout('between\n')]);
  });
});

describe('display.clear() (Jupyter\'s clear_output)', () => {
  const text = (o: CellOutputs) => o.outputs.map((x) => String(x.items[0]?.data)).join('|');

  test('clears every output so far; later outputs start afresh', () => {
    const o = new CellOutputs();
    o.stream('stdout', 'printed\n');
    o.display([{ mime: MIME.text, data: 'shown' }]);
    o.clear();
    assert.deepEqual(o.outputs, []);
    assert.equal(o.size, 0);
    o.stream('stdout', 'after\n');
    assert.equal(text(o), 'after\n');
  });

  test('with wait, the outputs stay until the next one comes, which replaces them (no flicker)', () => {
    const o = new CellOutputs();
    o.display([{ mime: MIME.text, data: 'frame 1' }]);
    o.clear(true);
    assert.equal(text(o), 'frame 1');
    o.display([{ mime: MIME.text, data: 'frame 2' }]);
    assert.equal(text(o), 'frame 2');
    o.clear(true);
    o.stream('stdout', 'frame 3\n');
    assert.equal(text(o), 'frame 3\n');
  });

  test('after a cut, a clear also drops the note of what was left out', () => {
    const o = new CellOutputs({ maxBytes: 1000 });
    for (let i = 0; i < 100; i++) o.stream('stdout', `line ${i} ${'x'.repeat(40)}\n`);
    assert.ok(o.cut);
    o.clear();
    assert.equal(o.cut, false);
    o.display([{ mime: MIME.text, data: 'fresh' }]);
    assert.equal(text(o), 'fresh');
  });
});
