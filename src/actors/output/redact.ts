/**
 * Hides secret values (passwords sent to a shell, tokens from the environment) in text that
 * leaves troupe: shell logs, the in-memory tail, error messages. Output arrives in chunks, so
 * the stream form holds back the end of a chunk while it could be the start of a secret.
 */

/** What a secret is replaced with: always six characters, so its length is not given away. */
export const REDACTED = '******';

/** A stretch of text to hide: [start, end). */
type Span = [start: number, end: number];

/**
 * Replaces registered secrets with {@link REDACTED}, in whole texts or in a stream.
 * Overlapping occurrences (of one secret or of several) become one marker.
 *
 * @example
 * const redactor = new Redactor()
 * redactor.add('hunter2')
 * redactor.redact('password: hunter2') // 'password: ******'
 * redactor.push('password: hun')       // 'password: ' ('hun' could be the secret: held back)
 * redactor.push('ter2\n')              // '******\n'
 * redactor.flush()                     // ''
 */
export class Redactor {
  private readonly secrets: string[] = [];
  /** The end of the stream not emitted yet, because it could be the start of a secret. */
  private held = '';
  /** Leading characters of `held` that belong to a secret whose marker was already emitted. */
  private masked = 0;

  /** Registers a value to hide from now on. The empty string is ignored (it occurs everywhere). */
  add(secret: string): void {
    if (secret.length === 0 || this.secrets.includes(secret)) return;
    this.secrets.push(secret);
  }

  /** True once a secret is registered: until then, redaction costs nothing. */
  get active(): boolean {
    return this.secrets.length > 0;
  }

  /**
   * `text` with every occurrence of a secret replaced by {@link REDACTED}.
   *
   * @example
   * redactor.redact('token=abc123') // 'token=******'
   */
  redact(text: string): string {
    if (this.secrets.length === 0) return text;
    return this.hide(text, 0, text.length).text;
  }

  /**
   * Stream form: returns the part of `held + chunk` that is safe to emit now. Only a tail that
   * is a proper prefix of some secret is held back, so a prompt after the last secret-like
   * character comes out at once. With no secrets registered, returns `chunk` itself.
   *
   * @example
   * redactor.push('login: admin\npass') // 'login: admin\n' when 'password1' is a secret
   */
  push(chunk: string): string {
    if (this.secrets.length === 0) return chunk;
    const text = this.held.length === 0 ? chunk : this.held + chunk;
    const cut = text.length - this.longestPartialSecret(text);
    const { text: safe, carry } = this.hide(text, this.masked, cut);
    this.held = cut === text.length ? '' : text.slice(cut);
    this.masked = carry;
    return safe;
  }

  /**
   * Ends the stream: returns what was held back, redacted.
   *
   * @example
   * redactor.push('pass'); redactor.flush() // 'pass' (it never became 'password1')
   */
  flush(): string {
    const { text } = this.hide(this.held, this.masked, this.held.length);
    this.held = '';
    this.masked = 0;
    return text;
  }

  /**
   * Redacts `text[0, cut)`. The first `masked` characters are the rest of a secret already
   * replaced by a marker: they vanish without a second one. `carry` says how many characters
   * past `cut` belong to a secret whose marker this call emitted.
   */
  private hide(text: string, masked: number, cut: number): { text: string; carry: number } {
    const spans = this.spans(text, masked);
    if (spans.length === 0) return { text: cut === text.length ? text : text.slice(0, cut), carry: 0 };
    let out = '';
    let copied = 0;
    for (const [start, end] of spans) {
      if (start >= cut) {
        // Nothing emitted yet (cut is 0): a secret already marked stays marked for next time.
        if (start === 0 && masked > 0) return { text: out, carry: end };
        break;
      }
      out += text.slice(copied, start) + (start === 0 && masked > 0 ? '' : REDACTED);
      if (end > cut) return { text: out, carry: end - cut };
      copied = end;
    }
    return { text: out + text.slice(copied, cut), carry: 0 };
  }

  /** Every occurrence of every secret, overlapping ones merged, in order; plus [0, masked). */
  private spans(text: string, masked: number): Span[] {
    const found: Span[] = masked > 0 ? [[0, masked]] : [];
    for (const secret of this.secrets) {
      // Step by one, not by the secret's length: 'aa' occurs twice in 'aaa' and both must go.
      for (let at = text.indexOf(secret); at !== -1; at = text.indexOf(secret, at + 1)) found.push([at, at + secret.length]);
    }
    if (found.length < 2) return found;
    found.sort((a, b) => a[0] - b[0]);
    const merged: Span[] = [found[0]!];
    for (let i = 1; i < found.length; i++) {
      const span = found[i]!;
      const last = merged[merged.length - 1]!;
      // Only overlaps merge: two secrets side by side stay two markers.
      if (span[0] < last[1]) last[1] = Math.max(last[1], span[1]);
      else merged.push(span);
    }
    return merged;
  }

  /** The length of the longest end of `text` that is a proper prefix of a secret. */
  private longestPartialSecret(text: string): number {
    let longest = 0;
    for (const secret of this.secrets) {
      next: for (let length = Math.min(secret.length - 1, text.length); length > longest; length--) {
        const from = text.length - length;
        for (let i = 0; i < length; i++) if (text.charCodeAt(from + i) !== secret.charCodeAt(i)) continue next;
        longest = length;
        break;
      }
    }
    return longest;
  }
}
