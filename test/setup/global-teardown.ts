import { rmSync } from 'node:fs';
import { ANSWERS_DIR_VARIABLE, readAnswers, undocumentedAnswers } from '../helpers/answers';
import { OpenApiDocument } from '../helpers/openapi';
import { createTestApp } from '../helpers/test-app';

/**
 * Holds every answer the suites of this run received against the OpenAPI document the app serves: a status,
 * or a problem `code`, that an operation really answers but does not document fails the run. It runs here,
 * after every suite, because suites run in any order and in parallel workers; no suite can know it is last.
 */
async function checkAnswersAreDocumented(): Promise<void> {
  const dir = process.env[ANSWERS_DIR_VARIABLE];
  if (!dir) return;
  try {
    const answers = readAnswers(dir);
    if (!answers.length) return;
    const t = await createTestApp();
    let document: OpenApiDocument;
    try {
      document = (await t.http.get('/docs-json').expect(200)).body as OpenApiDocument;
    } finally {
      await t.close();
      rmSync(t.mailDir, { recursive: true, force: true });
    }
    const undocumented = undocumentedAnswers(document, answers);
    if (undocumented.length) {
      throw new Error(
        `The e2e suites received ${undocumented.length} answer(s) the OpenAPI document does not list ` +
          `(declare them with @ApiProblems(...) on the operation):\n  ${undocumented.join('\n  ')}`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Checks the answers, stops the embedded PostgreSQL if global setup started one, then removes the run's temporary directory. */
export default async function globalTeardown(): Promise<void> {
  try {
    await checkAnswersAreDocumented();
  } finally {
    await (globalThis as { __EMBEDDED_PG__?: { stop(): Promise<void> } }).__EMBEDDED_PG__?.stop();
    const run = (globalThis as { __TEST_RUN_DIR__?: { dir: string; previous?: string } }).__TEST_RUN_DIR__;
    if (run) {
      if (run.previous === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = run.previous;
      rmSync(run.dir, { recursive: true, force: true });
    }
  }
}
