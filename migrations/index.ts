import { Foundation1764000000000 } from './1764000000000-foundation';

/** Every migration, in order. A new migration file is added here too, so app, CLI and tests agree. */
export const MIGRATIONS = [Foundation1764000000000];
