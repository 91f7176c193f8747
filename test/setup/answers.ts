import { answerLog } from '../helpers/answers';

/** Every e2e suite: after its tests, the answers it received are written out for the global teardown's check. */
afterAll(() => answerLog.flush());
