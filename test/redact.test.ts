// Secret redaction, in whole texts and in streams whose secrets are cut between chunks.
import { describe, expect, it } from 'vitest';
import { REDACTED, Redactor } from '../src/actors/output/redact.js';

function redactorOf(...secrets: string[]): Redactor {
  const redactor = new Redactor();
  for (const secret of secrets) redactor.add(secret);
  return redactor;
}

/** Feeds `chunks` through the stream form and returns everything it emitted, flush included. */
function stream(redactor: Redactor, chunks: readonly string[]): string {
  return chunks.map((chunk) => redactor.push(chunk)).join('') + redactor.flush();
}

/** A small deterministic PRNG (mulberry32), so a failing case can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('Redactor.redact', () => {
  it('replaces every occurrence of every secret with a fixed-width marker', () => {
    const redactor = redactorOf('hunter2', 'tok_9f8e7d6c5b4a');
    expect(REDACTED).toBe('******');
    expect(redactor.active).toBe(true);
    expect(redactor.redact('pw=hunter2 token=tok_9f8e7d6c5b4a again hunter2')).toBe('pw=****** token=****** again ******');
    expect(redactor.redact('nothing secret here')).toBe('nothing secret here');
    expect(redactor.redact('')).toBe('');
  });

  it('merges overlapping occurrences into one marker, but not adjacent ones', () => {
    expect(redactorOf('abc', 'bcd').redact('xabcdx')).toBe('x******x');
    expect(redactorOf('aa').redact('baaab')).toBe('b******b');
    expect(redactorOf('pass', 'password').redact('password1')).toBe('******1');
    expect(redactorOf('abc').redact('abcabc')).toBe('************');
  });

  it('ignores the empty string and duplicates; with no secrets it is inactive and changes nothing', () => {
    const redactor = new Redactor();
    redactor.add('');
    expect(redactor.active).toBe(false);
    expect(redactor.redact('text')).toBe('text');
    redactor.add('s3cr3t');
    redactor.add('s3cr3t');
    expect(redactor.redact('s3cr3t')).toBe('******');
  });
});

describe('Redactor stream', () => {
  it('with no secrets, push returns each chunk as it is and holds nothing back', () => {
    const redactor = new Redactor();
    expect(redactor.push('pass')).toBe('pass');
    expect(redactor.push('word: ')).toBe('word: ');
    expect(redactor.flush()).toBe('');
  });

  it('holds back only a tail that could start a secret, and emits it as soon as it cannot', () => {
    const redactor = redactorOf('hunter2');
    expect(redactor.push('Password: ')).toBe('Password: '); // a prompt comes out at once
    expect(redactor.push('hun')).toBe('');
    expect(redactor.push('ter2\r\n$ ')).toBe('******\r\n$ ');
    expect(redactor.push('ahunt')).toBe('a');
    expect(redactor.push('ing')).toBe('hunting');
    expect(redactor.push('h')).toBe('');
    expect(redactor.flush()).toBe('h'); // the stream ended: 'h' was no secret
    expect(redactor.flush()).toBe('');
  });

  it('redacts a secret split over many chunks, one character at a time', () => {
    const redactor = redactorOf('hunter2');
    const text = 'pw: hunter2, again: hunter2!';
    expect(stream(redactor, [...text])).toBe('pw: ******, again: ******!');
  });

  it('gives the same result as redacting the whole text, at every split point', () => {
    const cases: [string[], string][] = [
      [['hunter2'], 'my hunter2 is hunter2hunter2 hunte'],
      [['aa'], 'baaaaab aa a'],
      [['abab'], 'xabababab abab'],
      [['pass', 'password'], 'password pass passwor'],
      [['abc', 'bcd'], 'abcd bcd abcbcd'],
    ];
    for (const [secrets, text] of cases) {
      const whole = redactorOf(...secrets).redact(text);
      for (let first = 0; first <= text.length; first++) {
        for (let second = first; second <= text.length; second++) {
          const chunks = [text.slice(0, first), text.slice(first, second), text.slice(second)];
          expect(stream(redactorOf(...secrets), chunks), `${JSON.stringify(secrets)} ${JSON.stringify(chunks)}`).toBe(whole);
        }
      }
    }
  });

  it('never lets a secret through, whatever the chunking (seeded random texts)', () => {
    const next = random(20240611);
    const pick = (alphabet: string, length: number) => Array.from({ length }, () => alphabet[Math.floor(next() * alphabet.length)]).join('');
    for (let round = 0; round < 500; round++) {
      const secrets = Array.from({ length: 1 + Math.floor(next() * 3) }, () => pick('ab', 1 + Math.floor(next() * 4)));
      const text = pick('abc', Math.floor(next() * 40));
      const chunks: string[] = [];
      for (let at = 0; at < text.length; ) {
        const size = 1 + Math.floor(next() * 6);
        chunks.push(text.slice(at, at + size));
        at += size;
      }
      const whole = redactorOf(...secrets).redact(text);
      for (const secret of secrets) expect(whole.includes(secret)).toBe(false);
      expect(stream(redactorOf(...secrets), chunks), `${JSON.stringify(secrets)} ${JSON.stringify(chunks)}`).toBe(whole);
    }
  });

  it('a run of overlapping secrets much longer than a chunk comes out as one marker', () => {
    const redactor = redactorOf('x'.repeat(64));
    let emitted = 0;
    for (let i = 0; i < 1000; i++) emitted += redactor.push('x'.repeat(7)).length;
    // The marker goes out once the first occurrence is complete; the rest of the run is swallowed.
    const rest = redactor.flush();
    expect(emitted + rest.length).toBe(REDACTED.length);
    expect(redactorOf('x'.repeat(64)).redact('x'.repeat(7000))).toBe(REDACTED);
  });
});
