import { RequestError, type NodeCore } from '@lifeline/engine';
import { Body, Controller, Get, Header, HttpCode, Post, Req } from '@nestjs/common';
import { ALERT_MEDIA_TYPES } from '@lifeline/contracts';
import type { AlertFormat } from '@lifeline/store';
import { Lifeline } from '../lifeline';
import { Roles, type AuthedRequest } from '../auth/auth.guard';
import { decodeAlertBody } from './alert-body';
import { ApiError } from './errors';

/** Alerts in standard formats: CAP 1.2 and GB/T 35965.1 in, the feed of active ones out. */
@Controller('api')
@Roles('console')
export class CapController {
  constructor(private readonly lifeline: Lifeline<NodeCore>) {}

  /** A CAP 1.2 alert in: answered after every order it made or cancelled is committed. */
  @Post('cap')
  @HttpCode(202)
  cap(@Req() req: AuthedRequest, @Body() body: unknown) {
    return this.receive(req, body, 'cap');
  }

  /** A GB/T 35965.1 warning in, the same way. */
  @Post('gbt35965')
  @HttpCode(202)
  gbt(@Req() req: AuthedRequest, @Body() body: unknown) {
    return this.receive(req, body, 'gbt35965');
  }

  /** Active orders within the token's areas as an Atom feed of CAP alerts. */
  @Get('cap/feed')
  @Header('content-type', 'application/atom+xml; charset=utf-8')
  feed(@Req() req: AuthedRequest) {
    // Links are built from the Host the client used, when it is a plain host[:port].
    const host = req.get('host') ?? '';
    return this.lifeline.cap.out.feed(req.principal, `${req.protocol}://${/^[\w.-]+(:\d{1,5})?$/.test(host) ? host : 'localhost'}`);
  }

  private receive(req: AuthedRequest, body: unknown, format: AlertFormat) {
    // An alert is taken whole where it is written: its orders, cancels and its own row together.
    if (!this.lifeline.active) throw new RequestError('not_active', 'alerts are taken by the active node of the cluster: send it there, or again shortly');
    if (!Buffer.isBuffer(body)) throw new ApiError(415, 'unsupported_media_type', `expected an XML document as ${ALERT_MEDIA_TYPES.join(', ')}`);
    return this.lifeline.cap.intake.receive(req.principal, decodeAlertBody(body, req.get('content-type')), format);
  }
}
