import type { ReadStream } from 'node:tty';

/** What `readSecret` reads from: process.stdin, or a stand-in in tests. */
export type SecretInput = NodeJS.ReadableStream & Partial<Pick<ReadStream, 'isTTY' | 'setRawMode'>>;

const CTRL_C = '\u0003';
const CTRL_D = '\u0004';
const BACKSPACE = new Set(['\u007f', '\b']);

export class SecretInputAborted extends Error {
  constructor() {
    super('Aborted.');
  }
}

/**
 * A secret from standard input, as `read -s` does it. On a terminal: `prompt` on `output`, the typed
 * characters not echoed (raw mode), Backspace erases, Enter ends, Ctrl-C aborts. Otherwise (a pipe, a
 * file): the first line of the input. Resolves to '' when the input ends with nothing.
 */
export function readSecret(prompt: string, input: SecretInput, output: NodeJS.WritableStream): Promise<string> {
  return input.isTTY && input.setRawMode ? readFromTerminal(prompt, input, output) : readFirstLine(input);
}

function readFromTerminal(prompt: string, input: SecretInput, output: NodeJS.WritableStream): Promise<string> {
  const setRawMode = input.setRawMode!.bind(input);
  return new Promise((resolve, reject) => {
    let secret = '';
    const finish = (error: Error | null) => {
      input.removeListener('data', onData);
      input.removeListener('end', onEnd);
      setRawMode(false);
      input.pause();
      output.write('\n');
      if (error) reject(error);
      else resolve(secret);
    };
    const onEnd = () => finish(null);
    const onData = (chunk: Buffer | string) => {
      for (const char of String(chunk)) {
        if (char === '\r' || char === '\n' || char === CTRL_D) return finish(null);
        if (char === CTRL_C) return finish(new SecretInputAborted());
        if (BACKSPACE.has(char)) secret = [...secret].slice(0, -1).join('');
        else if (char >= ' ') secret += char;
      }
    };
    // Echo off before the prompt shows: whatever is typed once it is on the screen stays off it.
    setRawMode(true);
    output.write(prompt);
    input.setEncoding('utf8');
    input.on('data', onData);
    input.once('end', onEnd);
    input.resume();
  });
}

function readFirstLine(input: SecretInput): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const done = (value: string) => {
      input.removeListener('data', onData);
      input.removeListener('end', onEnd);
      input.removeListener('error', reject);
      input.pause();
      resolve(value);
    };
    const onData = (chunk: Buffer | string) => {
      text += String(chunk);
      const end = text.search(/\r?\n/);
      if (end >= 0) done(text.slice(0, end));
    };
    const onEnd = () => done(text.replace(/\r?\n$/, ''));
    input.setEncoding('utf8');
    input.on('data', onData);
    input.once('end', onEnd);
    input.once('error', reject);
    input.resume();
  });
}
