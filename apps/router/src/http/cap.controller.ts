import { Body, Controller, Get, Header, HttpCode, Post, Req } from '@nestjs/common';
import { Lifeline } from '../lifeline';
import { Roles, type AuthedRequest } from '../auth/auth.guard';
import { ApiError } from './errors';

/** The XML media types `POST /api/cap` reads (server.ts gives them a text body parser). */
export const CAP_MEDIA_TYPES = ['application/cap+xml', 'application/xml', 'text/xml'];

@Controller('api/cap')
@Roles('console')
export class CapController {
  constructor(private readonly lifeline: Lifeline) {}

  /** A CAP 1.2 alert in: answered after every order it made or cancelled is committed. */
  @Post()
  @HttpCode(202)
  async receive(@Req() req: AuthedRequest, @Body() body: unknown) {
    if (typeof body !== 'string')
      throw new ApiError(415, 'unsupported_media_type', `expected a CAP 1.2 alert as ${CAP_MEDIA_TYPES.join(', ')}`);
    return this.lifeline.cap.intake.receive(req.principal, body);
  }

  /** Active orders within the token's areas as an Atom feed of CAP alerts. */
  @Get('feed')
  @Header('content-type', 'application/atom+xml; charset=utf-8')
  feed(@Req() req: AuthedRequest) {
    // Links are built from the Host the client used, when it is a plain host[:port].
    const host = req.get('host') ?? '';
    return this.lifeline.cap.out.feed(req.principal, `${req.protocol}://${/^[\w.-]+(:\d{1,5})?$/.test(host) ? host : 'localhost'}`);
  }
}
