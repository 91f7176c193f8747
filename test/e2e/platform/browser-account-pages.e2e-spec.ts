import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Page } from 'playwright-core';
import { Role } from '../../../src/common/auth/role.enum';
import { createUser, login, TestUser } from '../../factories/user.factory';
import { linkOf, waitForMail } from '../../helpers/mail';
import { Browser, describeWithChromium, launchChromium } from '../../helpers/browser';
import { freePort } from '../../helpers/ports';
import { createTestApp, TestApp } from '../../helpers/test-app';

/**
 * Issue 13, section 3, end to end with the embedded default (no FRONTEND_URL): the link in the reset e-mail file
 * opens a page of the API in a real browser, whose form sets the new password. The browser reports any CSP
 * violation or request to elsewhere, and there must be none. `ACCOUNT_PAGES_SCREENSHOT_DIR` keeps screenshots.
 */
describeWithChromium('the reset link from the e-mail, in a browser', () => {
  let t: TestApp;
  let baseUrl: string;
  let browser: Browser;
  let page: Page;
  let user: TestUser;

  beforeAll(async () => {
    // APP_URL names the port the app then listens on: the link in the e-mail is opened exactly as written.
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    t = await createTestApp({ APP_URL: baseUrl });
    await t.app.listen(port, '127.0.0.1');
    user = await createUser(t, Role.CUSTOMER);

    browser = await launchChromium();
    ({ page } = browser);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  const screenshot = async (name: string) => {
    const dir = process.env.ACCOUNT_PAGES_SCREENSHOT_DIR;
    if (dir) await page.screenshot({ path: join(dir, `${name}.png`), fullPage: true });
  };

  it('opens the page, sets the new password, shows the outcome; no script, no CSP violation, nothing fetched elsewhere', async () => {
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => message.type() === 'error' && problems.push(`console: ${message.text()}`));
    page.on('request', (request) => !request.url().startsWith(baseUrl) && problems.push(`request to ${request.url()}`));

    try {
      await t.http.post('/password-reset/request').send({ email: user.email }).expect(202);
      const [mail] = await waitForMail(t.mailDir, 'password_reset', user.email);
      // The link exactly as the e-mail file has it.
      const { link } = linkOf(mail.body, '/reset-password');
      expect(link.startsWith(`${baseUrl}/reset-password?token=`)).toBe(true);
      const response = await page.goto(link);
      expect(response?.status()).toBe(200);
      await expect(page.locator('h1').textContent()).resolves.toBe('Choose a new password');
      await screenshot('reset-password-form');

      // Two different passwords: the page says so, and keeps the form.
      await page.locator('#newPassword').fill('Browser-Pass-1');
      await page.locator('#confirmPassword').fill('Browser-Pass-2');
      await page.locator('button[type=submit]').click();
      await page.locator('p.error').waitFor();
      await expect(page.locator('p.error').textContent()).resolves.toContain('not the same');

      await page.locator('#newPassword').fill('Browser-Pass-1');
      await page.locator('#confirmPassword').fill('Browser-Pass-1');
      await page.locator('button[type=submit]').click();
      await page.locator('p.ok').waitFor();
      await expect(page.locator('p.ok').textContent()).resolves.toBe('Your password has been changed. You can now sign in with it.');
      await screenshot('reset-password-done');

      await login(t, user.email, 'Browser-Pass-1');
      // The mismatched passwords were answered 400 on purpose, which Chromium logs; nothing else may show.
      expect(problems.filter((problem) => !/status of 400 \(Bad Request\)/.test(problem))).toEqual([]);
    } catch (error) {
      const shot = join(tmpdir(), `browser-account-pages-failure-${Date.now()}.png`);
      await page.screenshot({ path: shot, fullPage: true }).catch(() => undefined);
      throw new Error(`${(error as Error).message}\nscreenshot: ${shot}\nbrowser problems:\n${problems.join('\n')}`, { cause: error });
    }
  }, 60_000);
});
