// npm run lint:docker's Dockerfile half: every Dockerfile under docker/ through dockerfile-utils' validator
// (the one behind VS Code's Dockerfile support). Its CLI reads one file and exits 0 on warnings, so this
// prints every problem of every file, warnings included, and fails on any.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { validate } from 'dockerfile-utils';

const root = new URL('..', import.meta.url).pathname;
const files = readdirSync(join(root, 'docker'), { recursive: true })
  .filter((file) => /(^|\/)Dockerfile$/.test(file))
  .map((file) => join(root, 'docker', file))
  .sort();
let problems = 0;
for (const file of files) {
  for (const diagnostic of validate(readFileSync(file, 'utf8'))) {
    problems++;
    const severity = diagnostic.severity === 1 ? 'error' : 'warning';
    console.log(`${relative(root, file)}:${diagnostic.range.start.line + 1}:${diagnostic.range.start.character + 1} ${severity} ${diagnostic.message}`);
  }
}
console.log(`${files.length} Dockerfiles, ${problems} problems`);
if (problems > 0) process.exitCode = 1;
