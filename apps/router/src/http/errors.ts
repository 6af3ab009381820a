import { ArgumentsHost, Catch, HttpException, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { describeIssues, summarizeIssues, type BoundaryIssue } from '@lifeline/contracts';
import { RequestError } from '@lifeline/engine';
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

export const STATUS_OF: Record<RequestError['code'], number> = { unknown_area: 400, unknown_person: 400, unknown_channel: 400, invalid: 400, no_recipients: 400, out_of_scope: 403, not_found: 404 };

@Catch()
export class ErrorFilter implements ExceptionFilter {
  catch(e: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    if (e instanceof ApiError) {
      res.set(e.headers).status(e.getStatus()).json(e.getResponse());
      return;
    }
    if (e instanceof RequestError) {
      res.status(STATUS_OF[e.code]).json({ error: { code: e.code, message: e.message, ...(e.issues.length ? { issues: e.issues } : {}) } });
      return;
    }
    if (e instanceof HttpException) {
      const status = e.getStatus();
      const body = e.getResponse();
      const message = typeof body === 'string' ? body : String((body as { message?: unknown }).message ?? e.message);
      const code = status === 400 ? 'bad_request' : status === 404 ? 'not_found' : status === 413 ? 'too_large' : `http_${status}`;
      res.status(status).json({ error: { code, message } });
      return;
    }
    // Body-parser errors (malformed JSON, too large) carry a status of their own.
    const status = (e as { status?: number }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      res.status(status).json({ error: { code: status === 413 ? 'too_large' : 'bad_json', message: (e as Error).message } });
      return;
    }
    process.stderr.write(`unexpected error: ${(e as Error)?.stack ?? e}\n`);
    res.status(500).json({ error: { code: 'internal', message: 'internal error' } });
  }
}
