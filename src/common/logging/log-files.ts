import { mkdirSync } from 'node:fs';
import { once } from 'node:events';
import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import type { DestinationStream, Level, StreamEntry } from 'pino';
import { createStream, RotatingFileStream } from 'rotating-file-stream';

/** The files an operator finds in LOG_DIR, and which lines each keeps (one JSON object per line, as pino wrote it). */
export const LOG_FILES = {
  /** Everything but the request lines. */
  'app.log': { level: 'trace', keeps: (line: string) => !isAccessLine(line) },
  /** One line per request (pino-http's, marked `"log":"access"`). */
  'access.log': { level: 'trace', keeps: (line: string) => isAccessLine(line) },
  /** Every line at level error or above, whatever it is about. */
  'error.log': { level: 'error', keeps: () => true },
  /** The security events (SecurityLog's lines, marked `"log":"security"`). */
  'security.log': { level: 'trace', keeps: (line: string) => isSecurityLine(line) },
} satisfies Record<string, { level: Level; keeps: (line: string) => boolean }>;

export type LogFileName = keyof typeof LOG_FILES;

// pino writes `"log":"access"` only as a key and its value: inside a logged string the quotes would be escaped.
const isAccessLine = (line: string) => line.includes('"log":"access"');
const isSecurityLine = (line: string) => line.includes('"log":"security"');

export interface LogFileOptions {
  dir: string;
  /** Rotate at this size: `10M` (B, K, M or G). */
  maxSize: string;
  /** How many rotated files to keep beside the current one (`app.log.1` is the newest). */
  keep: number;
}

/**
 * The log files of LOG_DIR: one rotating file per kind (rotating-file-stream, rotated by size the way
 * logrotate does it: `app.log` is always the current file, `app.log.1` the one before), each fed only its
 * own lines. Closed when the app shuts down; a line logged after that is dropped rather than failing.
 */
@Injectable()
export class LogFiles implements OnApplicationShutdown {
  private readonly files: RotatingFileStream[] = [];
  private closed = false;

  /** The pino multistream entries for the files (none when `options` is unset: stdout only). */
  open(options: LogFileOptions | undefined): StreamEntry[] {
    if (!options) return [];
    mkdirSync(options.dir, { recursive: true });
    return (Object.entries(LOG_FILES) as Array<[LogFileName, (typeof LOG_FILES)[LogFileName]]>).map(([name, { level, keeps }]) => {
      const file = createStream(name, { path: options.dir, size: options.maxSize as `${number}M`, rotate: options.keep });
      // A full disk or a removed directory must not take the service down: say so on stderr, keep serving.
      file.on('error', (error) => process.stderr.write(`Log file ${name} failed: ${error.message}\n`));
      this.files.push(file);
      const stream: DestinationStream = {
        write: (line: string) => {
          if (!this.closed && keeps(line)) file.write(line);
        },
      };
      return { level, stream };
    });
  }

  /** Waits until every line written so far is in the files. */
  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    await Promise.all(
      this.files.map(async (file) => {
        if (file.writableFinished) return;
        const finished = once(file, 'finish');
        file.end();
        await finished;
      }),
    );
  }
}
