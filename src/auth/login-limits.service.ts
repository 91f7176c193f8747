import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { RateLimitExceededError } from '../common/rate-limit/rate-limit.guard';
import { RateLimiter, RateLimitOutcome } from '../common/rate-limit/rate-limiter.service';
import { AppConfig } from '../config/app.config';
import { DEVICE_TOKEN_TTL_SECONDS, DeviceTokens } from './device-token';

/** Who is logging in, as far as the limits are concerned. */
export interface LoginClient {
  ip: string;
  /** A device token handed out at an earlier successful login, when the client sends one back. */
  deviceToken?: string;
}

/** How a client stands with an account before its attempt: what counts its failures, and the limits' state. */
export interface LoginStanding {
  /** The nonce of a valid device token for this account: its failures count against that token alone. */
  device: string | null;
  /** The client logged in to this account before (its device token, or its address): the account-wide limit spares it. */
  known: boolean;
  rateLimits: RateLimitOutcome[];
}

/** A 429 because the account is under attack and this client is new to it: the owner hears of it. */
export class AccountUnderAttackError extends RateLimitExceededError {}

const KNOWN_ADDRESS = 'loginKnownAddress';
const seconds = (outcome: RateLimitOutcome) => Math.max(1, Math.ceil(outcome.resetSeconds));

/**
 * Failed logins only are counted (a household signing in from one address is never refused for
 * succeeding), by OWASP's device-cookie scheme, so that strangers' guesses never lock the owner out:
 * - a client with a device token of the account counts its own failures (`loginDevice`);
 * - any other client counts per address (`login`, LOGIN_RATE_LIMIT);
 * - clients the account does not know (no device token, no earlier success from their address) also count
 *   per account (`loginAccount`, LOGIN_ACCOUNT_RATE_LIMIT); past it they are refused, the known ones are not.
 */
@Injectable()
export class LoginLimits {
  private readonly devices: DeviceTokens;

  constructor(
    config: ConfigService<AppConfig, true>,
    private readonly limiter: RateLimiter,
  ) {
    this.devices = new DeviceTokens(config.get('auth', { infer: true }).secretKey);
  }

  /** Says how the client stands, or refuses it (429 naming the policy that refused). */
  async admit(client: LoginClient, email: string, accountId: string | null): Promise<LoginStanding> {
    if (!this.limiter.enabled) return { device: null, known: false, rateLimits: [] };
    const device = accountId ? this.devices.verify(client.deviceToken, accountId) : null;
    if (device) {
      const own = await this.limiter.failures('loginDevice', device);
      if (!own.allowed) throw new RateLimitExceededError(seconds(own), [own]);
      return { device, known: true, rateLimits: [own] };
    }
    const address = await this.limiter.failures('login', client.ip);
    if (!address.allowed) throw new RateLimitExceededError(seconds(address), [address]);
    if (accountId && (await this.limiter.remembers(KNOWN_ADDRESS, `${accountId}:${client.ip}`))) {
      return { device: null, known: true, rateLimits: [address] };
    }
    const account = await this.limiter.failures('loginAccount', email);
    if (!account.allowed) throw new AccountUnderAttackError(seconds(account), [account]);
    return { device: null, known: false, rateLimits: [address, account] };
  }

  /** Counts a failed attempt; returns the limits' state after it. */
  async failed(client: LoginClient, email: string, standing: LoginStanding): Promise<RateLimitOutcome[]> {
    if (!this.limiter.enabled) return [];
    if (standing.device) return [await this.limiter.recordFailure('loginDevice', standing.device)];
    const counted = [await this.limiter.recordFailure('login', client.ip)];
    if (!standing.known) counted.push(await this.limiter.recordFailure('loginAccount', email));
    return counted;
  }

  /** Remembers the client for the account and hands it a device token (none when limits are off: nothing to spare it from). */
  async succeeded(client: LoginClient, accountId: string): Promise<string | undefined> {
    if (!this.limiter.enabled) return undefined;
    await this.limiter.remember(KNOWN_ADDRESS, `${accountId}:${client.ip}`, DEVICE_TOKEN_TTL_SECONDS * 1000);
    return this.devices.issue(accountId);
  }

  /** True once per `loginAccount` window for the account: whether to tell its owner it is under attack now. */
  shouldWarnOwner(email: string): Promise<boolean> {
    return this.limiter.once('loginAccountNotice', email, this.limiter.policy('loginAccount').ttlMs);
  }
}
