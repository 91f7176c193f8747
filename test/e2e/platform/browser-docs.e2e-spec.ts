import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BrowserContext, Page } from 'playwright-core';
import { Role } from '../../../src/common/auth/role.enum';
import { createUser, TestUser } from '../../factories/user.factory';
import { Browser, describeWithChromium, launchChromium } from '../../helpers/browser';
import { createTestApp, TestApp } from '../../helpers/test-app';

/** A name that is not localhost (as a container's or a LAN address would be), resolved by Chromium to loopback. */
const OTHER_HOST = 'marketplace.test';

describeWithChromium('Swagger UI in a browser: authorize with the OAuth2 password flow, then try GET /users/me', () => {
  let t: TestApp;
  let baseUrl: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let user: TestUser;

  beforeAll(async () => {
    t = await createTestApp();
    await t.app.listen(0, '127.0.0.1');
    const { port } = t.app.getHttpServer().address() as AddressInfo;
    baseUrl = `http://127.0.0.1:${port}`;
    user = await createUser(t, Role.CUSTOMER);

    browser = await launchChromium([`--host-resolver-rules=MAP ${OTHER_HOST} 127.0.0.1`]);
    ({ context, page } = browser);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('shows 200 and the signed-in e-mail', async () => {
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => message.type() === 'error' && problems.push(`console: ${message.text()}`));
    const tokenRequests: { status: number; body: string }[] = [];
    page.on('response', (response) => {
      if (new URL(response.url()).pathname === '/auth/login') {
        void response.text().then(
          (body) => tokenRequests.push({ status: response.status(), body }),
          () => undefined,
        );
      }
    });

    try {
      await page.goto(`${baseUrl}/docs`);
      await page.locator('.swagger-ui .info .title').waitFor();

      // The Authorize dialog: fill the OAuth2 password flow, authorize, close.
      await page.locator('.swagger-ui .auth-wrapper button.authorize').click();
      const dialog = page.locator('.swagger-ui .dialog-ux .modal-ux');
      await dialog.waitFor();
      const oauth = dialog.locator('.auth-container').filter({ hasText: '(OAuth2, password)' });
      await oauth.locator('#oauth_username').fill(user.email);
      await oauth.locator('#oauth_password').fill(user.password);
      await oauth.locator('button.authorize').click();
      // Swagger UI swaps Authorize for Logout once the token endpoint answered with a token.
      await oauth.locator('button', { hasText: 'Logout' }).waitFor();
      await expect(oauth.textContent()).resolves.toContain('Authorized');
      expect(tokenRequests.map((request) => request.status)).toEqual([200]);
      await dialog.locator('button.close-modal').click();
      await dialog.waitFor({ state: 'detached' });

      // GET /users/me: expand, try it out, execute.
      const operation = page.locator('.swagger-ui .opblock-get').filter({
        has: page.locator('.opblock-summary-path', { hasText: /^\/users\/me$/ }),
      });
      await operation.locator('.opblock-summary').first().click();
      await operation.locator('button.try-out__btn').click();
      await operation.locator('button.execute').click();

      // The live response: the table Swagger UI fills after Execute (the header row says "Code").
      const live = operation.locator('.responses-wrapper .live-responses-table tbody tr.response');
      const status = live.locator('.response-col_status').first();
      await status.waitFor();
      await expect(status.textContent()).resolves.toMatch(/^\s*200\b/);
      const body = live.locator('.response-col_description .microlight, .response-col_description pre').first();
      await expect(body.textContent()).resolves.toContain(user.email);
      // The request Swagger UI made carried the token it obtained.
      await expect(operation.locator('.curl-command, .curl').first().textContent()).resolves.toMatch(/Authorization: Bearer [\w-]+\.[\w-]+\.[\w-]+/);
      expect(problems.filter((problem) => !/favicon/i.test(problem))).toEqual([]);
    } catch (error) {
      const shot = join(tmpdir(), `browser-docs-failure-${Date.now()}.png`);
      await page.screenshot({ path: shot, fullPage: true }).catch(() => undefined);
      const tokenAnswers = tokenRequests.map((request) => `${request.status} ${request.body}`).join('\n');
      throw new Error(`${(error as Error).message}\nscreenshot: ${shot}\ntoken endpoint answers:\n${tokenAnswers}\nbrowser problems:\n${problems.join('\n')}`, {
        cause: error,
      });
    }
  }, 60_000);

  it('renders /docs over plain http by a host name other than localhost', async () => {
    const other = await context.newPage();
    const failed: string[] = [];
    other.on('requestfailed', (request) => failed.push(`${request.url()}: ${request.failure()?.errorText}`));
    try {
      const url = baseUrl.replace('127.0.0.1', OTHER_HOST);
      await other.goto(`${url}/docs`);
      await other.locator('.swagger-ui .info .title').waitFor();
      await expect(other.locator('.swagger-ui .info .title').textContent()).resolves.toContain('Service Marketplace API');
      expect(failed).toEqual([]);
    } catch (error) {
      const shot = join(tmpdir(), `browser-docs-other-host-failure-${Date.now()}.png`);
      await other.screenshot({ path: shot, fullPage: true }).catch(() => undefined);
      throw new Error(`${(error as Error).message}\nscreenshot: ${shot}\nfailed requests:\n${failed.join('\n')}`, { cause: error });
    } finally {
      await other.close();
    }
  }, 60_000);
  it('renders /redoc, operations included, with every request to another host refused', async () => {
    const redoc = await context.newPage();
    const blocked: string[] = [];
    const problems: string[] = [];
    // Offline, or behind strict egress: only this loopback server answers.
    await redoc.route('**/*', (route) => {
      const { hostname } = new URL(route.request().url());
      if (['127.0.0.1', 'localhost'].includes(hostname) || route.request().url().startsWith('blob:') || route.request().url().startsWith('data:'))
        return route.continue();
      blocked.push(route.request().url());
      return route.abort('blockedbyclient');
    });
    redoc.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    try {
      const document = (await t.http.get('/docs-json').expect(200)).body as { paths: Record<string, Record<string, { summary: string }>> };
      const operations = Object.values(document.paths).flatMap((item) => Object.values(item));
      await redoc.goto(`${baseUrl}/redoc`);
      // The side menu lists every operation with its method; the body renders them under their summaries.
      const menuOperations = redoc.locator('.menu-content li [class*="operation-type"]');
      await menuOperations.first().waitFor({ state: 'attached' });
      await expect(menuOperations.count()).resolves.toBe(operations.length);
      await redoc.locator('h2', { hasText: 'Book a service and pay for it (customers)' }).first().waitFor();
      await expect(redoc.locator('h1').first().textContent()).resolves.toContain('Service Marketplace API');
      expect(blocked).toEqual([]);
      expect(problems).toEqual([]);
    } catch (error) {
      const shot = join(tmpdir(), `browser-docs-redoc-failure-${Date.now()}.png`);
      await redoc.screenshot({ path: shot, fullPage: false }).catch(() => undefined);
      throw new Error(`${(error as Error).message}\nscreenshot: ${shot}\nblocked:\n${blocked.join('\n')}\nproblems:\n${problems.join('\n')}`, { cause: error });
    } finally {
      await redoc.close();
    }
  }, 60_000);
});
