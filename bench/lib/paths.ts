import { join, resolve } from 'node:path';

/** The repository (this file runs from dist/bench/lib). */
export const ROOT = resolve(__dirname, '..', '..', '..');
export const WORK = join(ROOT, 'bench', '.work');
export const APP_MAIN = join(ROOT, 'dist', 'src', 'main.js');
export const FLOOR_MAIN = join(ROOT, 'dist', 'bench', 'floor-server.js');

export const log = (line: string) => process.stderr.write(`${line}\n`);
