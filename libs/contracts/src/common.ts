import { z } from 'zod';
import { DELIVERY_STATUSES, PRIORITIES } from '@lifeline/domain';

export const priority = z.enum(PRIORITIES);
export const deliveryStatus = z.enum(DELIVERY_STATUSES);
export const channelState = z.enum(['up', 'degraded', 'down']);
/** Ids and codes are short printable tokens: no spaces, no control characters. */
export const id = z.string().min(1).max(128).regex(/^[\w.:#@-]+$/u, 'expected an id of letters, digits and . : # @ - _');
export const areaCode = z.string().min(1).max(32).regex(/^[\w-]+$/u, 'expected an area code');
export const isoTime = z.string();
export const clientRef = z.string().min(1).max(64);

export interface BoundaryIssue {
  path: string;
  message: string;
  code: string;
}

/** A zod error as the contract shows it: which field, what was expected. */
export function describeIssues(error: z.ZodError): BoundaryIssue[] {
  return error.issues.map((i) => ({
    path: i.path.map(String).join('.') || '(root)',
    message: i.message,
    code: i.code,
  }));
}

export function summarizeIssues(issues: readonly BoundaryIssue[]): string {
  return issues.map((i) => `${i.path}: ${i.message}`).join('; ');
}
