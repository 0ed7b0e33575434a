// Captures of `outputs` over a stream, alone: lines across chunks, terminal line ends,
// characters split between chunks, the first match winning, and a line that never ends.
import { describe, expect, it } from 'vitest';
import { createOutputCaptures } from '../src/actors/output/output-captures.js';

describe('output captures', () => {
  it('matches whole lines across chunks; a \\r before the newline is not part of the line', () => {
    const captures = createOutputCaptures({ version: '^version=(\\S+)$', sha: 'sha=(\\w+)', whole: 'ready' });
    captures.push('build ok\r\nvers');
    expect(captures.values()).toEqual({});
    captures.push(Buffer.from('ion=1.2.3\r\nversion=9\r\nsha=ab'));
    expect(captures.values()).toEqual({ version: '1.2.3' });
    captures.push('c1 ready');
    expect(captures.finish()).toEqual({ version: '1.2.3', sha: 'abc1', whole: 'ready' });
  });

  it('keeps a character split between two byte chunks whole', () => {
    const captures = createOutputCaptures({ name: 'name=(\\S+)' });
    const bytes = Buffer.from('name=héllo\n');
    const cut = bytes.indexOf(0xc3) + 1;
    captures.push(bytes.subarray(0, cut));
    captures.push(bytes.subarray(cut));
    expect(captures.values()).toEqual({ name: 'héllo' });
  });

  it('matches a line that never ends once it passes the window, and keeps only half of it', () => {
    const captures = createOutputCaptures({ tag: 'tag=(\\d+)', late: 'late=(\\d+)' }, 100);
    captures.push(`${'x'.repeat(80)}tag=7${'y'.repeat(40)}`);
    expect(captures.values()).toEqual({ tag: '7' });
    captures.push(`${'z'.repeat(200)}late=5`);
    expect(captures.finish()).toEqual({ tag: '7', late: '5' });
  });
});
