import { ArgumentsHost, Catch, HttpException, Injectable, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { describeIssues, summarizeIssues, type BoundaryIssue } from '@lifeline/contracts';
import { RequestError, type NodeCore } from '@lifeline/engine';
import { NotTheWriterError } from '@lifeline/store';
import { Lifeline } from '../lifeline';
import type { z } from 'zod';

/** The one error shape of the HTTP API: `{"error":{"code","message","issues"?}}`. */
export class ApiError extends HttpException {
  constructor(
    status: number,
    code: string,
    message: string,
    issues?: BoundaryIssue[],
    /** Headers the answer carries, e.g. `Retry-After` on 429. */
    readonly headers: Record<string, string> = {},
  ) {
    super({ error: { code, message, ...(issues ? { issues } : {}) } }, status);
  }
}

export function invalid(error: z.ZodError, what = 'request'): ApiError {
  const issues = describeIssues(error);
  return new ApiError(400, 'invalid', `invalid ${what}: ${summarizeIssues(issues)}`, issues);
}

export const STATUS_OF: Record<RequestError['code'], number> = { unknown_area: 400, unknown_person: 400, unknown_channel: 400, invalid: 400, no_recipients: 400, out_of_scope: 403, not_found: 404, conflict: 409, forbidden: 403, too_large: 413, not_active: 503 };

/** Every HTTP refusal in the one shape, counted by code; an internal error is logged with its stack. */
@Catch()
@Injectable()
export class ErrorFilter implements ExceptionFilter {
  constructor(private readonly lifeline: Lifeline<NodeCore>) {}

  catch(e: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const answer = (status: number, body: { error: { code: string } }, headers: Record<string, string> = {}) => {
      this.lifeline.metrics.rejected('http', body.error.code);
      res.set(headers).status(status).json(body);
    };
    if (e instanceof ApiError) return answer(e.getStatus(), e.getResponse() as { error: { code: string } }, e.headers);
    // A follower asked to write, or its active node out of reach: nothing was done; try again.
    if (e instanceof NotTheWriterError) e = new RequestError('not_active', 'this node of the cluster does not write, and this request cannot be passed on: send it to the active node, or again shortly');
    if (e instanceof RequestError)
      return answer(STATUS_OF[e.code], { error: { code: e.code, message: e.message, ...(e.issues.length ? { issues: e.issues } : {}) } } as { error: { code: string } }, e.code === 'not_active' ? { 'Retry-After': '1' } : {});
    if (e instanceof HttpException) {
      const status = e.getStatus();
      const body = e.getResponse();
      const message = typeof body === 'string' ? body : String((body as { message?: unknown }).message ?? e.message);
      const code = status === 400 ? 'bad_request' : status === 404 ? 'not_found' : status === 413 ? 'too_large' : `http_${status}`;
      return answer(status, { error: { code, message } } as { error: { code: string } });
    }
    // Body-parser errors (malformed JSON, too large) carry a status of their own.
    const status = (e as { status?: number }).status;
    if (typeof status === 'number' && status >= 400 && status < 500)
      return answer(status, { error: { code: status === 413 ? 'too_large' : status === 415 ? 'unsupported_media_type' : 'bad_json', message: (e as Error).message } } as { error: { code: string } });
    this.lifeline.log.error('HTTP request failed', { err: (e as Error)?.stack ?? String(e) });
    answer(500, { error: { code: 'internal', message: 'internal error' } } as { error: { code: string } });
  }
}
