import { secretScan } from '../helpers/secret-scan';

/**
 * Every e2e suite: after its tests, the answers the test app gave are checked for leaked secrets (the JWT
 * secret, bcrypt hashes, reset tokens, other users' e-mail addresses), and any hit fails the suite.
 */
afterAll(() => {
  const hits = secretScan.collect();
  if (hits.length) throw new Error(`The secret scan found ${hits.length} leak(s) in answers:\n${hits.join('\n')}`);
});
