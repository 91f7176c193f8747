import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { LogFiles } from './log-files';

describe('LogFiles', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'log-files-spec-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const read = (name: string) =>
    readFileSync(join(dir, name), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { msg: string });

  it('gives each file only its own lines, and drops lines logged after shutdown', async () => {
    const files = new LogFiles();
    const logger = pino({ level: 'info' }, pino.multistream(files.open({ dir, maxSize: '10M', keep: 2 })));
    logger.info('started');
    logger.info({ log: 'access', requestId: 'r1' }, 'GET / 200');
    logger.info({ log: 'security', event: 'login.failed' }, 'security: login.failed');
    logger.error({ requestId: 'r2' }, 'Unhandled error');
    await files.onApplicationShutdown();
    logger.info('after shutdown');

    expect(read('app.log').map((line) => line.msg)).toEqual(['started', 'security: login.failed', 'Unhandled error']);
    expect(read('access.log').map((line) => line.msg)).toEqual(['GET / 200']);
    expect(read('error.log').map((line) => line.msg)).toEqual(['Unhandled error']);
    expect(read('security.log').map((line) => line.msg)).toEqual(['security: login.failed']);
  });

  it('rotates a file at its size as logrotate does, keeping the newest rotated ones', async () => {
    const files = new LogFiles();
    const logger = pino({ level: 'info' }, pino.multistream(files.open({ dir, maxSize: '1K', keep: 2 })));
    for (let batch = 0; batch < 6; batch++) {
      for (let line = 0; line < 10; line++) logger.info({ batch, line }, 'x'.repeat(100));
      // rotating-file-stream checks the size as it writes: let it rotate between batches.
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await files.onApplicationShutdown();
    const appFiles = readdirSync(dir).filter((name) => name.startsWith('app.log'));
    expect(appFiles.sort()).toEqual(['app.log', 'app.log.1', 'app.log.2']);
  });
});
