// The README's booking scenario against a running API, in two phases (plain Node, no dependencies):
//   node test/docker/booking-scenario.mjs book  <baseUrl> <stateFile>   accounts, a service, a booking
//   node test/docker/booking-scenario.mjs check <baseUrl> <stateFile>   after a restart: all still there
// Exits non-zero with a message on the first thing that is not as expected.
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';

const [phase, baseUrl, stateFile] = process.argv.slice(2);
if (!['book', 'check'].includes(phase) || !baseUrl || !stateFile) {
  console.error('usage: booking-scenario.mjs book|check <baseUrl> <stateFile>');
  process.exit(2);
}

async function call(method, path, { token, body, headers = {}, expect }) {
  const response = await fetch(new URL(path, baseUrl), {
    method,
    headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  if (response.status !== expect) throw new Error(`${method} ${path}: expected ${expect}, got ${response.status} ${text.slice(0, 500)}`);
  return text ? JSON.parse(text) : undefined;
}

const login = async (email, password) => (await call('POST', '/auth/login', { body: { email, password }, expect: 200 })).access_token;

async function register(role) {
  const email = `${role.toLowerCase()}-${randomUUID()}@example.com`;
  const password = `Docker-${randomUUID().slice(0, 8)}!`;
  const user = await call('POST', '/users/', { body: { email, password, role, profile: { firstName: 'Docker', lastName: role } }, expect: 201 });
  return { id: user.id, email, password, token: await login(email, password) };
}

/** GET /notifications/stream, read as it arrives; waitFor(test) resolves once the text so far passes test. */
async function openStream(token) {
  const controller = new AbortController();
  const response = await fetch(new URL('/notifications/stream', baseUrl), {
    headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
    signal: controller.signal,
  });
  if (response.status !== 200) throw new Error(`GET /notifications/stream: ${response.status} ${await response.text()}`);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let text = '';
  return {
    async waitFor(test, what) {
      const deadline = setTimeout(() => controller.abort(), 40_000);
      try {
        while (!test(text)) {
          const { value, done } = await reader.read();
          if (done) throw new Error('the stream ended');
          text += value;
        }
      } catch (error) {
        throw new Error(`the stream did not carry ${what} within 40 s (${error.message}); it carried: ${JSON.stringify(text.slice(0, 500))}`);
      } finally {
        clearTimeout(deadline);
        controller.abort();
      }
    },
  };
}

function check(condition, message) {
  if (!condition) throw new Error(message);
}

async function book() {
  const provider = await register('PROVIDER');
  const customer = await register('CUSTOMER');
  const everyDay = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];
  const service = await call('POST', '/services/', {
    token: provider.token,
    body: {
      title: 'Window cleaning',
      description: 'Inside and out, ladders included.',
      category: 'home_services',
      price: 45,
      currency: 'USD',
      durationMinutes: 60,
      timezone: 'UTC',
      availability: Object.fromEntries(everyDay.map((day) => [day, ['08:00-18:00']])),
    },
    expect: 201,
  });
  // Through a proxy (SCENARIO_STREAM=1): the customer's live stream is open before the booking, on whichever
  // instance the proxy picks, and must carry the booking's notification and a heartbeat as they are written.
  const stream = process.env.SCENARIO_STREAM === '1' ? await openStream(customer.token) : undefined;
  const day = (offset) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
  const slots = await call('GET', `/services/${service.id}/slots?from=${day(2)}&to=${day(8)}`, { expect: 200 });
  check(Array.isArray(slots) && slots.length > 0, `no free slot in a week: ${JSON.stringify(slots)}`);
  const booking = await call('POST', '/bookings/', {
    token: customer.token,
    headers: { 'idempotency-key': randomUUID() },
    body: {
      serviceId: service.id,
      scheduledAt: slots[0].start,
      payment: { amount: service.price, currency: service.currency, paymentMethod: { type: 'card', last4: '4242', brand: 'visa' } },
    },
    expect: 201,
  });
  check(booking.status === 'CONFIRMED', `booking is ${booking.status}, not CONFIRMED`);
  const seen = await call('GET', `/bookings/${booking.id}`, { token: customer.token, expect: 200 });
  check(seen.status === 'CONFIRMED' && seen.serviceId === service.id, `GET /bookings/${booking.id}: ${JSON.stringify(seen)}`);
  if (stream) {
    await stream.waitFor((text) => text.includes(booking.id) && (text.match(/^:/gm) ?? []).length >= 2, 'the booking event and a heartbeat');
    console.log(`the stream through the proxy carried booking ${booking.id}'s notification and a heartbeat`);
  }
  // A logged-out token must stay refused across restarts (revocations live in Redis and PostgreSQL).
  const revoked = await login(customer.email, customer.password);
  await call('POST', '/auth/logout', { token: revoked, expect: 204 });
  await call('GET', '/users/me', { token: revoked, expect: 401 });
  writeFileSync(stateFile, JSON.stringify({ customer, provider, serviceId: service.id, bookingId: booking.id, scheduledAt: booking.scheduledAt, revoked }));
  console.log(`booked ${booking.id} (${service.title} at ${booking.scheduledAt}) for ${customer.email}`);
}

async function checkAfterRestart() {
  const state = JSON.parse(readFileSync(stateFile, 'utf8'));
  // Tokens issued before the restart still work (same secrets). One fresh login over the whole run (same
  // accounts, same password hashes): logins are limited to 5 an hour per address, a counter kept in Redis.
  await call('GET', '/users/me', { token: state.customer.token, expect: 200 });
  state.freshToken ??= await login(state.customer.email, state.customer.password);
  const booking = await call('GET', `/bookings/${state.bookingId}`, { token: state.freshToken, expect: 200 });
  check(booking.status === 'CONFIRMED' && booking.scheduledAt === state.scheduledAt, `after restart: ${JSON.stringify(booking)}`);
  const list = await call('GET', '/bookings/', { token: state.freshToken, expect: 200 });
  const items = Array.isArray(list) ? list : (list.items ?? list.data);
  check(
    items?.some((b) => b.id === state.bookingId),
    `after restart the booking list lacks ${state.bookingId}: ${JSON.stringify(list).slice(0, 300)}`,
  );
  const providerView = await call('GET', `/bookings/${state.bookingId}`, { token: state.provider.token, expect: 200 });
  check(providerView.customerId === state.customer.id, `the provider sees ${JSON.stringify(providerView)}`);
  await call('GET', '/users/me', { token: state.revoked, expect: 401 });
  writeFileSync(stateFile, JSON.stringify(state));
  console.log(`after restart: booking ${state.bookingId} still CONFIRMED, logins work, the logged-out token is still refused`);
}

try {
  await (phase === 'book' ? book() : checkAfterRestart());
} catch (error) {
  console.error(`booking scenario (${phase}) failed: ${error.message}`);
  process.exit(1);
}
