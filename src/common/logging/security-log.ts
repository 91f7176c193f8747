import { Injectable, Logger } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import type { ClientContext } from '../decorators/client-context.decorator';

/** Every security event the service records, one structured line each (never a secret). */
export type SecurityEventName =
  | 'login.succeeded'
  | 'login.failed'
  | 'login.refused'
  | 'logout'
  | 'session.ended'
  | 'sessions.ended'
  | 'refresh_token.reused'
  | 'current_password.failed'
  | 'password.changed'
  | 'password.reset'
  | 'email_change.requested'
  | 'email_change.confirmed'
  | 'email_change.reverted'
  | 'email.verified'
  | 'role.changed'
  | 'status.changed'
  | 'account.deleted'
  | 'admin.action';

export interface SecurityEventFields {
  /** The account the event is about. */
  userId?: string | null;
  /** Who acted, when not the account itself (an admin). */
  actorId?: string | null;
  client?: ClientContext | null;
  /** A short reason or detail; never a password, token or hash. */
  detail?: string;
}

/** The `security` log: one line per security event, with `event`, the account, the client address and the request id. */
@Injectable()
export class SecurityLog {
  record(event: SecurityEventName, fields: SecurityEventFields = {}): void {
    const { client, ...rest } = fields;
    const line = { log: 'security', event, ...rest, ip: client?.ip, requestId: client?.requestId };
    // PinoLogger.root exists once the app's logger module started; the CLI logs through Nest's logger.
    if (PinoLogger.root) PinoLogger.root.info(line, `security: ${event}`);
    else new Logger('security').log(JSON.stringify(line));
  }
}
