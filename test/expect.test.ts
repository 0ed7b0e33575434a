// The expect engine over a stream of text: matching, chunk boundaries, EOF, timeouts, ANSI
// stripping, bounded work and memory, and what its errors say.
import { describe, expect, it } from 'vitest';
import { MAX_PENDING_ESCAPE, stripAnsiChunk } from '../src/actors/output/ansi.js';
import {
  DEFAULT_EXPECT_TIMEOUT_MS,
  DEFAULT_MAX_BUFFER,
  EOF,
  ExpectEOFError,
  Expecter,
  ExpectTimeoutError,
  TIMEOUT,
  compilePattern,
  describePattern,
  stripAnsi,
} from '../src/actors/expect/expect.js';
import { Redactor } from '../src/actors/output/redact.js';
import { TroupeError } from '../src/runtime/errors.js';
import { rejection } from './helpers/thrown.js';

/** Injected time: timers fire only when the test says so. */
function fakeTime() {
  const armed = new Set<{ fn: () => void; ms: number }>();
  return {
    setTimer(fn: () => void, ms: number): () => void {
      const timer = { fn, ms };
      armed.add(timer);
      return () => armed.delete(timer);
    },
    /** The delays of the timers armed now. */
    get armed(): number[] {
      return [...armed].map((timer) => timer.ms);
    },
    fire(): void {
      for (const timer of [...armed]) {
        armed.delete(timer);
        timer.fn();
      }
    },
  };
}

describe('Expecter matching', () => {
  it('matches strings literally and RegExps as written, with capture groups', async () => {
    const expecter = new Expecter();
    expecter.push('cost: a.c (abc) user alice logged in\n');
    const literal = await expecter.expect('a.c');
    expect(literal).toMatchObject({ index: 0, before: 'cost: ', after: 'a.c' });
    expect([...literal.match!]).toEqual(['a.c']);
    const regex = await expecter.expect(/a.c/);
    expect(regex).toMatchObject({ before: ' (', after: 'abc' });
    const groups = await expecter.expect(/user (?<name>\w+) logged (\w+)/);
    expect([...groups.match!]).toEqual(['user alice logged in', 'alice', 'in']);
    expect(groups.match!.groups).toEqual({ name: 'alice' });
    expect(expecter.buffer).toBe('\n');
  });

  it('consumes through the match: before, after, match.index and input refer to the consumed text', async () => {
    const expecter = new Expecter();
    expecter.push('one $ two $ three');
    const first = await expecter.expect('$ ');
    expect(first).toMatchObject({ index: 0, before: 'one ', after: '$ ' });
    expect(first.match!.index).toBe(4);
    expect(first.match!.input).toBe('one $ ');
    expect(expecter.buffer).toBe('two $ three');
    const second = await expecter.expect(/t(\w+) (\$) /);
    expect(second).toMatchObject({ before: '', after: 'two $ ' });
    expect(second.match!.index).toBe(0);
    expect(second.match!.input).toBe('two $ ');
    expect(expecter.buffer).toBe('three');
  });

  it('the earliest match in the buffer wins, whatever the order of the patterns; ties go to the first listed', async () => {
    const expecter = new Expecter();
    expecter.push('xx Password: yes/no');
    expect(await expecter.expect(['yes/no', /[Pp]assword:/])).toMatchObject({ index: 1, before: 'xx ', after: 'Password:' });
    expecter.push(' yes/no');
    expect(await expecter.expect([/y\w+/, 'yes/no', 'yes'])).toMatchObject({ index: 0, before: ' ', after: 'yes' });
    expect(await expecter.expect(['no', /n(o)/])).toMatchObject({ index: 0, before: '/', after: 'no' });
  });

  it('matches what is already buffered at expect() time, without waiting for more', async () => {
    const time = fakeTime();
    const expecter = new Expecter({ setTimer: time.setTimer });
    expecter.push('ready> ');
    expect(await expecter.expect('ready>')).toMatchObject({ before: '', after: 'ready>' });
    expect(time.armed).toEqual([]);
    expect(expecter.buffer).toBe(' ');
  });

  it('finds a pattern split across pushes, for literals and RegExps', async () => {
    const expecter = new Expecter();
    const literal = expecter.expect('Password:');
    for (const piece of ['login ok\nPa', 'ss', 'word', ':', ' ']) expecter.push(piece);
    expect(await literal).toMatchObject({ before: 'login ok\n', after: 'Password:' });
    const regex = expecter.expect(/exit code (\d+)\n/);
    for (const piece of ['done, exit c', 'ode 1', '2', '7\n']) expecter.push(piece);
    expect(await regex).toMatchObject({ before: ' done, ', after: 'exit code 127\n' });
    expect((await regex).match![1]).toBe('127');
  });

  it('decodes UTF-8 split across Buffers without breaking characters', async () => {
    const expecter = new Expecter();
    const pending = expecter.expect('héllo 🎉 $');
    const bytes = Buffer.from('>héllo 🎉 $ <');
    // Cut inside é (2 bytes) and twice inside the emoji (4 bytes).
    for (const [start, end] of [[0, 3], [3, 10], [10, 12], [12, bytes.length]] as const) expecter.push(bytes.subarray(start, end));
    expect(await pending).toMatchObject({ before: '>', after: 'héllo 🎉 $' });
    expect(expecter.buffer).toBe(' <');
  });

  it('ignores the g and y flags: no lastIndex state leaks in or out', async () => {
    const global = /ab/g;
    const sticky = /cd/y;
    global.lastIndex = 5;
    sticky.lastIndex = 3;
    const expecter = new Expecter();
    for (let round = 0; round < 3; round++) {
      expecter.push('ab cd ');
      expect(await expecter.expect(global)).toMatchObject({ before: '', after: 'ab' });
      expect(await expecter.expect(sticky)).toMatchObject({ before: ' ', after: 'cd' });
      expect(expecter.buffer).toBe(' ');
      await expecter.expect(' ');
    }
    expect(global.lastIndex).toBe(5);
    expect(sticky.lastIndex).toBe(3);
  });
});

describe('Expecter EOF', () => {
  it('EOF as a pattern matches the rest of the output at end(), emptying the buffer', async () => {
    const expecter = new Expecter();
    const pending = expecter.expect(['never', EOF]);
    expecter.push('last words\n');
    expecter.end();
    expect(await pending).toEqual({ index: 1, match: null, before: 'last words\n', after: '' });
    expect(expecter.buffer).toBe('');
    expect(expecter.ended).toBe(true);
  });

  it('after end(), the remaining buffer is searched before EOF applies', async () => {
    const expecter = new Expecter();
    expecter.push('a $ b $ c');
    expecter.end();
    expecter.push('ignored after the end');
    expect(await expecter.expect(['$ ', EOF])).toMatchObject({ index: 0, before: 'a ' });
    expect(await expecter.expect(['$ ', EOF])).toMatchObject({ index: 0, before: 'b ' });
    expect(await expecter.expect(['$ ', EOF])).toEqual({ index: 1, match: null, before: 'c', after: '' });
    expect(await expecter.expect(EOF)).toEqual({ index: 0, match: null, before: '', after: '' });
  });

  it('end() flushes a partial UTF-8 character as U+FFFD before EOF matches', async () => {
    const expecter = new Expecter();
    expecter.push(Buffer.from([0x6f, 0x6b, 0xe2, 0x82])); // 'ok' and 2 of the 3 bytes of '€'
    expecter.end();
    expect(await expecter.expect(EOF)).toMatchObject({ before: 'ok\ufffd' });
  });

  it('without EOF among the patterns, rejects with EXPECT_EOF naming the patterns and the last output', async () => {
    const expecter = new Expecter({ name: 's1' });
    const pending = expecter.expect([/Password:/, 'nope']);
    expecter.push('bash: ssh: command not found\r\n');
    expecter.end();
    const err = await rejection(pending);
    expect(err).toBeInstanceOf(ExpectEOFError);
    expect(err.code).toBe('EXPECT_EOF');
    expect(err.message).toBe(
      `Shell 's1' ended before printing /Password:/ or 'nope'. Last output: "bash: ssh: command not found\\r\\n". Check the command, or add EOF to the patterns if the end is expected.`,
    );
    expect((err as ExpectEOFError).patterns).toEqual(['/Password:/', "'nope'"]);
    expect((err as ExpectEOFError).tail).toBe('bash: ssh: command not found\r\n');
    // Later expects fail the same way at once; the output stays for inspection.
    const later = await rejection(expecter.expect('$ '));
    expect(later.code).toBe('EXPECT_EOF');
    expect(expecter.buffer).toBe('bash: ssh: command not found\r\n');
  });
});

describe('Expecter timeouts', () => {
  it('arms the default 30s timer, and rejects with EXPECT_TIMEOUT naming the patterns and the last output', async () => {
    const time = fakeTime();
    const expecter = new Expecter({ name: 's1', setTimer: time.setTimer });
    expecter.push('Welcome\r\n$ ');
    const pending = expecter.expect([/Password:/, 'nope']);
    expect(time.armed).toEqual([DEFAULT_EXPECT_TIMEOUT_MS]);
    expect(DEFAULT_EXPECT_TIMEOUT_MS).toBe(30_000);
    time.fire();
    const err = await rejection(pending);
    expect(err).toBeInstanceOf(ExpectTimeoutError);
    expect(err.code).toBe('EXPECT_TIMEOUT');
    expect(err.message).toBe(
      `Shell 's1' did not print /Password:/ or 'nope' within 30000ms. Last output: "Welcome\\r\\n$ ". Raise the timeout or check the pattern.`,
    );
    const timeout = err as ExpectTimeoutError;
    expect(timeout.patterns).toEqual(['/Password:/', "'nope'"]);
    expect(timeout.tail).toBe('Welcome\r\n$ ');
    expect(timeout.timeoutMs).toBe(30_000);
    expect(expecter.buffer).toBe('Welcome\r\n$ ');
  });

  it('names no shell without a name, says (none) for no output, and lists three patterns with commas', async () => {
    const time = fakeTime();
    const expecter = new Expecter({ setTimer: time.setTimer });
    const pending = expecter.expect(['a', /b/i, EOF], { timeout: 250 });
    expect(time.armed).toEqual([250]);
    time.fire();
    expect((await rejection(pending)).message).toBe(
      "The terminal did not print 'a', /b/i or EOF within 250ms. Last output: (none). Raise the timeout or check the pattern.",
    );
  });

  it('TIMEOUT as a pattern resolves on expiry with the whole buffer as before, consuming nothing', async () => {
    const time = fakeTime();
    const expecter = new Expecter({ setTimer: time.setTimer });
    const pending = expecter.expect(['$ ', TIMEOUT], { timeout: 100 });
    expecter.push('still compiling...');
    expect(time.armed).toEqual([100]);
    time.fire();
    expect(await pending).toEqual({ index: 1, match: null, before: 'still compiling...', after: '' });
    expect(expecter.buffer).toBe('still compiling...');
  });

  it('a match cancels the timer; a late timer does nothing', async () => {
    const time = fakeTime();
    const expecter = new Expecter({ setTimer: time.setTimer });
    const pending = expecter.expect('ok', { timeout: 100 });
    expecter.push('ok');
    expect(await pending).toMatchObject({ after: 'ok' });
    expect(time.armed).toEqual([]);
  });

  it('Infinity waits for ever (no timer); the real default timer works too', async () => {
    const time = fakeTime();
    const forever = new Expecter({ setTimer: time.setTimer });
    const pending = forever.expect('x', { timeout: Infinity });
    expect(time.armed).toEqual([]);
    forever.push('x');
    await pending;
    const real = new Expecter();
    expect((await rejection(real.expect('x', { timeout: 1 }))).code).toBe('EXPECT_TIMEOUT');
  });
});

describe('Expecter argument checks', () => {
  it('a second concurrent expect rejects with INVALID_ARGUMENT; the first still completes', async () => {
    const expecter = new Expecter({ name: 's1' });
    const first = expecter.expect([/Password:/, 'x']);
    const err = await rejection(expecter.expect('$ '));
    expect(err.code).toBe('INVALID_ARGUMENT');
    expect(err.message).toBe("Shell 's1' is already waiting for /Password:/ or 'x'. Await that expect() before calling expect() again.");
    expecter.push('Password:');
    expect(await first).toMatchObject({ index: 0 });
    expecter.push('$ ');
    expect(await expecter.expect('$ ')).toMatchObject({ before: '' });
  });

  it('refuses an empty list, an empty string, a value that is no pattern and bad options', async () => {
    const expecter = new Expecter();
    const cases: [Promise<unknown>, string, string][] = [
      [expecter.expect([]), 'INVALID_ARGUMENT', 'expect() got an empty list of patterns. Pass a string, a RegExp, EOF or TIMEOUT, or a list of them.'],
      [expecter.expect(['ok', '']), 'INVALID_PATTERN', 'Pattern 1 is the empty string, which matches at once. Write the text to wait for.'],
      [expecter.expect(['ok', 42 as unknown as string]), 'INVALID_ARGUMENT', 'Pattern 1 (42) is not a string, a RegExp, EOF or TIMEOUT. Pass one of those.'],
      [expecter.expect('ok', { timeout: -5 }), 'INVALID_ARGUMENT', 'Expect timeout -5 is not a number of milliseconds. Pass e.g. 5000, or Infinity to wait for ever.'],
      [
        expecter.expect('ok', { searchWindow: 0 }),
        'INVALID_ARGUMENT',
        'searchWindow 0 is not a positive whole number of characters. Pass e.g. 2000, or leave it out to search everything.',
      ],
    ];
    for (const [promise, code, message] of cases) {
      const err = await rejection(promise);
      expect([err.code, err.message]).toEqual([code, message]);
    }
    expect(() => new Expecter({ maxBuffer: 0 })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT', message: 'maxBuffer 0 is not a positive whole number of characters. Pass e.g. 1048576, or leave it out.' }),
    );
  });

  it('cancel() rejects the pending expect with the given error and clears its timer; then expect works again', async () => {
    const time = fakeTime();
    const expecter = new Expecter({ setTimer: time.setTimer });
    expecter.cancel(new Error('nothing pending: no effect'));
    const pending = expecter.expect('x', { timeout: 100 });
    const stopped = new TroupeError('SHELL_NOT_RUNNING', "Shell 's1' was stopped.");
    expecter.cancel(stopped);
    await expect(pending).rejects.toBe(stopped);
    expect(time.armed).toEqual([]);
    expecter.push('x');
    expect(await expecter.expect('x')).toMatchObject({ after: 'x' });
  });
});

describe('compilePattern and describePattern', () => {
  it('compiles regex text, naming the pattern and the reason when it is invalid', () => {
    expect(compilePattern('[Pp]assword:', 'i')).toEqual(/[Pp]assword:/i);
    const cases: [string, string | undefined, string][] = [
      ['(unclosed', undefined, 'Pattern /(unclosed/ is not a valid regular expression: Unterminated group. Fix it, or escape the special characters to match them literally.'],
      ['a)', 'i', "Pattern /a)/i is not a valid regular expression: Unmatched ')'. Fix it, or escape the special characters to match them literally."],
      ['a', 'zz', "Pattern /a/zz is not a valid regular expression: Invalid flags supplied to RegExp constructor 'zz'. Fix it, or escape the special characters to match them literally."],
      ['', undefined, 'Pattern // is empty, so it matches at once. Write the text to wait for.'],
    ];
    for (const [source, flags, message] of cases) {
      expect(() => compilePattern(source, flags)).toThrow(expect.objectContaining({ code: 'INVALID_PATTERN', message }));
    }
  });

  it('prints patterns as /re/flags, quoted literals with escapes, EOF and TIMEOUT', () => {
    expect(describePattern(/Pass(word)?:/gi)).toBe('/Pass(word)?:/gi');
    expect(describePattern('$ ')).toBe("'$ '");
    expect(describePattern("it's\r\n\t\\\x1b")).toBe("'it\\'s\\r\\n\\t\\\\\\x1b'");
    expect(describePattern(EOF)).toBe('EOF');
    expect(describePattern(TIMEOUT)).toBe('TIMEOUT');
  });
});

describe('stripAnsi', () => {
  it('removes CSI, OSC, DCS, charset, keypad and 8-bit sequences, keeping text and plain controls', () => {
    const cases: [string, string][] = [
      ['\x1b[1;31merror\x1b[0m: done', 'error: done'],
      ['\x1b[?2004h\x1b[2J\x1b[H$ ', '$ '],
      ['\x1b]0;user@host: ~\x07prompt', 'prompt'],
      ['\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\', 'link'],
      ['\x1bP1$r0m\x1b\\ok', 'ok'],
      ['\x1b(B\x1b)0\x1b#8abc', 'abc'],
      ['\x1b=\x1b>\x1b7\x1b8\x1bM\x1bcx', 'x'],
      ['\x9b32mgreen\x9b0m \x9d2;t\x07z', 'green z'],
      ['a\x1b\r\nb', 'a\r\nb'], // an ESC before a control introduces nothing
      ['\x1b[12\nrest', '\nrest'], // a broken CSI is dropped, the control after it kept
      ['tab\there\r\n\x07', 'tab\there\r\n\x07'],
      ['cut at the end \x1b[3', 'cut at the end '],
    ];
    for (const [input, output] of cases) expect(stripAnsi(input)).toBe(output);
  });

  it('holds back a sequence cut at the end of a chunk, but not for ever', () => {
    expect(stripAnsiChunk('ok \x1b')).toEqual({ clean: 'ok ', pending: '\x1b' });
    expect(stripAnsiChunk('ok \x1b[3')).toEqual({ clean: 'ok ', pending: '\x1b[3' });
    expect(stripAnsiChunk('\x1b[32mgreen')).toEqual({ clean: 'green', pending: '' });
    expect(stripAnsiChunk('t\x1b]0;title')).toEqual({ clean: 't', pending: '\x1b]0;title' });
    expect(stripAnsiChunk('t\x1b]0;title\x1b')).toEqual({ clean: 't', pending: '\x1b]0;title\x1b' });
    const unterminated = `\x1b]0;${'x'.repeat(MAX_PENDING_ESCAPE)}`;
    expect(stripAnsiChunk(`a${unterminated}`)).toEqual({ clean: `a0;${'x'.repeat(MAX_PENDING_ESCAPE)}`, pending: '' });
  });

  it('expect with stripAnsi matches the visible text, across escapes split between pushes', async () => {
    const time = fakeTime();
    const expecter = new Expecter({ setTimer: time.setTimer });
    expecter.push('\x1b[32muser\x1b[0m@host:~');
    const pending = expecter.expect(/user@host:~\$ /, { stripAnsi: true });
    for (const piece of ['\x1b[', '1', ';34', 'm$', '\x1b', '[0m ', '\x1b]0;ti', 'tle\x07next']) expecter.push(piece);
    expect(await pending).toMatchObject({ before: '', after: 'user@host:~$ ' });
    // Stripping happens for the expect that asks for it: what came after its match is raw until the next one.
    expect(expecter.buffer).toBe('\x1b]0;title\x07next');
    expect(await expecter.expect('next', { stripAnsi: true })).toMatchObject({ before: '', after: 'next' });
    expecter.push('\x1b[31mred\x1b[0m!');
    const raw = expecter.expect('red!', { timeout: 10 });
    time.fire();
    expect((await rejection(raw)).message).toBe(
      `The terminal did not print 'red!' within 10ms. Last output: "\\u001b[31mred\\u001b[0m!". Raise the timeout or check the pattern.`,
    );
    expect(await expecter.expect('red!', { stripAnsi: true })).toMatchObject({ before: '', after: 'red!' });
  });

  it('with stripAnsi, an unfinished sequence at EOF is dropped and EOF gets the clean text', async () => {
    const expecter = new Expecter();
    const pending = expecter.expect(['never', EOF], { stripAnsi: true });
    expecter.push('bye\x1b[0mnow\x1b[');
    expecter.end();
    expect(await pending).toEqual({ index: 1, match: null, before: 'byenow', after: '' });
  });
});

describe('Expecter bounds: search window and buffer size', () => {
  it('with a search window, 5 MB arriving in small chunks costs a bounded search per chunk, and memory stays at maxBuffer', async () => {
    const expecter = new Expecter({ setTimer: fakeTime().setTimer });
    const pending = expecter.expect(/DONE (\d+)/, { searchWindow: 500 });
    const chunk = `${'x'.repeat(999)}\n`;
    for (let i = 0; i < 5000; i++) expecter.push(chunk);
    // First chunk: 1000 chars; each later one: itself plus the 500-char window. A whole-buffer
    // search would have scanned about 5,000 x 1 MiB.
    expect(expecter.scannedChars).toBe(1000 + 4999 * 1500);
    expect(expecter.buffer.length).toBe(DEFAULT_MAX_BUFFER);
    expect(DEFAULT_MAX_BUFFER).toBe(1024 * 1024);
    expecter.push('DONE 42\n');
    const match = await pending;
    expect(expecter.scannedChars).toBe(1000 + 4999 * 1500 + 508);
    expect(match.match![1]).toBe('42');
    expect(match.before.length).toBe(DEFAULT_MAX_BUFFER - 8);
    expect(match.before.endsWith('x\n')).toBe(true);
    expect(expecter.buffer).toBe('\n');
  });

  it('a literal is searched only in the new text and its own length before it, even without a window', async () => {
    const expecter = new Expecter({ setTimer: fakeTime().setTimer });
    const pending = expecter.expect('$ ');
    for (let i = 0; i < 1000; i++) expecter.push('y'.repeat(99) + '$');
    expecter.push(' ');
    expect((await pending).before.length).toBe(99_999);
    expect(expecter.scannedChars).toBe(100 + 999 * 101 + 2);
  });

  it('a RegExp without a window searches the whole buffer on each push, as in pexpect', async () => {
    const expecter = new Expecter({ setTimer: fakeTime().setTimer });
    const pending = expecter.expect([/\$ /, TIMEOUT]);
    for (let i = 1; i <= 10; i++) expecter.push('0123456789');
    expect(expecter.scannedChars).toBe(10 + 20 + 30 + 40 + 50 + 60 + 70 + 80 + 90 + 100);
    expecter.cancel(new Error('done'));
    await expect(pending).rejects.toThrow('done');
  });

  it('a search window misses matches that start before it, at expect() time and on each push', async () => {
    const time = fakeTime();
    const expecter = new Expecter({ setTimer: time.setTimer });
    expecter.push(`Password: ${'x'.repeat(100)}`);
    const early = expecter.expect(['Password:', TIMEOUT], { searchWindow: 50 });
    time.fire();
    expect(await early).toMatchObject({ index: 1 });
    expect(await expecter.expect('Password:')).toMatchObject({ before: '' }); // no window: found
    const spanning = expecter.expect([/start.*end/, TIMEOUT], { searchWindow: 16 });
    for (const piece of ['start', 'x'.repeat(100), 'end']) expecter.push(piece);
    time.fire();
    expect(await spanning).toMatchObject({ index: 1 });
    const inside = expecter.expect(/start.*end/, { searchWindow: 16 });
    expecter.push('start');
    expecter.push('..end');
    expect(await inside).toMatchObject({ after: 'start..end' });
  });

  it('keeps only the last maxBuffer characters: the oldest are dropped', async () => {
    const expecter = new Expecter({ maxBuffer: 10 });
    expecter.push('abcdefghij');
    expecter.push('klm');
    expect(expecter.buffer).toBe('defghijklm');
    expecter.push(Buffer.from('0123456789abcdef'));
    expect(expecter.buffer).toBe('6789abcdef');
    expecter.end();
    expect(await expecter.expect(EOF)).toMatchObject({ before: '6789abcdef' });
  });
});

describe('Expecter redaction', () => {
  it('redacts the patterns and the last output in timeout and EOF messages', async () => {
    const time = fakeTime();
    const redactor = new Redactor();
    redactor.add('hunter2');
    const expecter = new Expecter({ name: 's1', redact: (text) => redactor.redact(text), setTimer: time.setTimer });
    expecter.push('login: admin\r\nPassword: hunter2\r\n');
    const pending = expecter.expect(['hunter2 accepted', /welcome/], { timeout: 5000 });
    time.fire();
    const timeout = (await rejection(pending)) as ExpectTimeoutError;
    expect(timeout.message).toBe(
      `Shell 's1' did not print '****** accepted' or /welcome/ within 5000ms. Last output: "login: admin\\r\\nPassword: ******\\r\\n". Raise the timeout or check the pattern.`,
    );
    expect(timeout.patterns).toEqual(["'****** accepted'", '/welcome/']);
    expect(timeout.tail).toBe('login: admin\r\nPassword: ******\r\n');
    const eof = expecter.expect(/hunter2 ok/);
    expecter.end();
    const ended = (await rejection(eof)) as ExpectEOFError;
    expect(ended.message).toBe(
      `Shell 's1' ended before printing /****** ok/. Last output: "login: admin\\r\\nPassword: ******\\r\\n". Check the command, or add EOF to the patterns if the end is expected.`,
    );
    expect(JSON.stringify(ended.details)).not.toContain('hunter2');
  });

  it('keeps about the last 500 characters, redacting before cutting so a secret across the cut does not leak', async () => {
    const time = fakeTime();
    const redactor = new Redactor();
    redactor.add('hunter2');
    const expecter = new Expecter({ redact: (text) => redactor.redact(text), setTimer: time.setTimer });
    expecter.push('z'.repeat(2000) + 'hunter2' + 'y'.repeat(497));
    const pending = expecter.expect('$ ');
    time.fire();
    const err = (await rejection(pending)) as ExpectTimeoutError;
    expect(err.tail).toBe('***' + 'y'.repeat(497));
    expect(err.message).not.toContain('er2');
  });
});
