import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { getMetadataStorage } from 'class-validator';
import { EnvironmentVariables, parseEnvironment } from './environment';

/** `.env.example` is the documentation of the configuration: it must list every variable, each with its default. */
describe('.env.example', () => {
  const text = readFileSync(join(__dirname, '..', '..', '.env.example'), 'utf8');
  const active = parseEnv(text) as Record<string, string>;
  // The optional variables are there too, commented out as "# KEY=value".
  const commented = parseEnv(
    text
      .split('\n')
      .filter((line) => /^# [A-Z][A-Z0-9_]*=/.test(line))
      .map((line) => line.slice(2))
      .join('\n'),
  ) as Record<string, string>;
  const declared = [
    ...new Set(
      getMetadataStorage()
        .getTargetValidationMetadatas(EnvironmentVariables, '', true, false)
        .map((m) => m.propertyName),
    ),
  ];
  const quiet = () => undefined;

  it('lists every variable the service declares, and no other', () => {
    expect(declared.length).toBeGreaterThan(20);
    expect(Object.keys({ ...active, ...commented }).sort()).toEqual([...declared].sort());
  });

  it('gives each variable that is on its default value', () => {
    const defaults = new EnvironmentVariables();
    const parsed = parseEnvironment(active, quiet);
    for (const key of Object.keys(active) as (keyof EnvironmentVariables)[]) {
      expect({ key, value: parsed[key] }).toEqual({ key, value: defaults[key] });
    }
  });

  it('has optional examples that are valid once uncommented', () => {
    expect(() => parseEnvironment({ ...active, ...commented }, quiet)).not.toThrow();
  });
});
