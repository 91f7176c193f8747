import { PassThrough, Writable } from 'node:stream';
import { readSecret, SecretInput, SecretInputAborted } from './read-secret';

function terminal(): { input: PassThrough & SecretInput; raw: boolean[] } {
  const raw: boolean[] = [];
  const input = Object.assign(new PassThrough(), { isTTY: true, setRawMode: (mode: boolean) => (raw.push(mode), input) }) as unknown as PassThrough &
    SecretInput;
  return { input, raw };
}

describe('readSecret', () => {
  it('on a terminal: turns echo off before prompting, honours Backspace, ends at Enter and turns echo back on', async () => {
    const { input, raw } = terminal();
    const events: string[] = [];
    const output = new Writable({
      write(chunk: Buffer, _encoding, done) {
        events.push(`${raw.length ? `raw ${String(raw.at(-1))}` : 'cooked'}: ${JSON.stringify(chunk.toString())}`);
        done();
      },
    });
    const secret = readSecret('Password: ', input, output);
    input.write('Str0ng!Pax');
    input.write('\u007fss\r');
    await expect(secret).resolves.toBe('Str0ng!Pass');
    expect(raw).toEqual([true, false]);
    // Whatever is typed once the prompt shows is not echoed by the terminal.
    expect(events).toEqual(['raw true: "Password: "', 'raw false: "\\n"']);
  });

  it('on a terminal: Ctrl-C aborts', async () => {
    const { input, raw } = terminal();
    const secret = readSecret('Password: ', input, new PassThrough());
    input.write('abc\u0003');
    await expect(secret).rejects.toBeInstanceOf(SecretInputAborted);
    expect(raw).toEqual([true, false]);
  });

  it('from a pipe: the first line, without its line end, and no prompt', async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    const secret = readSecret('Password: ', input, output);
    input.end('Str0ng!Pass\r\nignored\n');
    await expect(secret).resolves.toBe('Str0ng!Pass');
    expect(output.read()).toBeNull();
  });

  it('from a pipe that ends without a line end, or with nothing', async () => {
    const input = new PassThrough();
    const secret = readSecret('', input, new PassThrough());
    input.end('Str0ng!Pass');
    await expect(secret).resolves.toBe('Str0ng!Pass');
    const empty = new PassThrough();
    const nothing = readSecret('', empty, new PassThrough());
    empty.end();
    await expect(nothing).resolves.toBe('');
  });
});
