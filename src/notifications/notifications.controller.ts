import { Controller, Get, Headers, Param, ParseUUIDPipe, Put, Query, Req, Res } from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiParam, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AuthUser } from '../common/auth/auth-user';
import { CurrentUser } from '../common/decorators/current-user.decorator';
import { ValidationFailedError } from '../common/errors/domain.error';
import { ApiProblems } from '../common/openapi/problem.response';
import { NoBody } from '../common/decorators/no-body.decorator';
import { AnyRole } from '../common/decorators/roles.decorator';
import { Page } from '../common/pagination/pagination';
import { Paginated } from '../common/pagination/paginated';
import { ListNotificationsQuery } from './dto/list-notifications.query';
import { NotificationResponse, ReadAllResponse, UnreadCountResponse } from './dto/notification.response';
import { NotificationStreamsService } from './live/notification-streams.service';
import { NotificationsService } from './notifications.service';

/** As @NoBody() answers a body on a route that takes none. */
const NO_BODY = new ValidationFailedError([{ field: 'body', message: 'this route takes no body' }]);

@ApiTags('notifications')
@Controller('notifications')
export class NotificationsController {
  constructor(
    private readonly notifications: NotificationsService,
    private readonly streams: NotificationStreamsService,
  ) {}

  @AnyRole()
  @Get()
  @ApiOperation({ operationId: 'listNotifications', summary: 'Your notifications, newest first (unread=true for unread only)' })
  @Paginated(NotificationResponse)
  list(@CurrentUser() user: AuthUser, @Query() query: ListNotificationsQuery): Promise<Page<NotificationResponse>> {
    return this.notifications.list(user, query);
  }

  @AnyRole()
  @Get('unread/count')
  @ApiOperation({ operationId: 'countUnreadNotifications', summary: 'How many of your notifications are unread' })
  @ApiOkResponse({ type: UnreadCountResponse })
  unreadCount(@CurrentUser() user: AuthUser): Promise<UnreadCountResponse> {
    return this.notifications.unreadCount(user);
  }

  @AnyRole()
  @Put('read-all')
  @ApiOperation({ operationId: 'markAllNotificationsRead', summary: 'Mark all your notifications read' })
  @ApiOkResponse({ type: ReadAllResponse })
  @ApiProblems(NO_BODY)
  markAllRead(@CurrentUser() user: AuthUser, @NoBody() _body: undefined): Promise<ReadAllResponse> {
    return this.notifications.markAllRead(user);
  }

  @AnyRole()
  @Put(':id/read')
  @ApiOperation({ operationId: 'markNotificationRead', summary: 'Mark one of your notifications read (again: no change)' })
  @ApiOkResponse({ type: NotificationResponse })
  @ApiProblems(NO_BODY)
  @ApiParam({ name: 'id', format: 'uuid' })
  markRead(@CurrentUser() user: AuthUser, @Param('id', ParseUUIDPipe) id: string, @NoBody() _body: undefined): Promise<NotificationResponse> {
    return this.notifications.markRead(user, id);
  }

  @AnyRole()
  @Get('stream')
  @ApiOperation({
    operationId: 'streamNotifications',
    summary: 'Your notifications as they happen (server-sent events)',
    description:
      'Each event has `id:` (its position in your stream), `event:` (the type) and `data:` (the notification JSON); ' +
      'a comment line arrives every SSE_HEARTBEAT_SECONDS. Reconnect with `Last-Event-ID` to receive, first and in order, ' +
      'everything you missed: at most the latest 1,000, followed then by a `reload` event (reload the list with GET /notifications/). EventSource cannot send headers: it may pass the token as `?access_token=` (this route only).',
  })
  @ApiProduces('text/event-stream')
  @ApiHeader({
    name: 'Last-Event-ID',
    required: false,
    description: 'The id of the last event received; resumes after it',
    schema: { type: 'string', pattern: '^\\d{1,15}$', maxLength: 15 },
  })
  @ApiQuery({
    name: 'access_token',
    required: false,
    description: 'The bearer token, for clients that cannot send an Authorization header',
    schema: { type: 'string', maxLength: 2048 },
  })
  // No schema: the body is a stream of events (described above) that stays open, not one bounded string.
  @ApiOkResponse({ description: 'A text/event-stream that stays open', content: { 'text/event-stream': {} } })
  stream(
    @CurrentUser() user: AuthUser,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    return this.streams.open(user, lastEventId, request, reply);
  }
}
