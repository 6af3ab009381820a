import type { Priority } from './priority';

export interface OrderTarget {
  people?: string[];
  areas?: string[];
  roles?: string[];
}

export interface OrderSpec {
  priority: Priority;
  to: OrderTarget;
  body: string;
  summary?: string;
  ackRequired: boolean;
  ackWithinS: number;
  ttlS: number;
}

export interface Order extends OrderSpec {
  id: string;
  ref: string;
  clientRef: string;
  createdAt: number;
  expiresAt: number;
}

/** Delivery ids are derived, so an order's deliveries can be inserted by one set-based statement. */
export function deliveryId(orderId: string, personId: string): string {
  return `${orderId}:${personId}`;
}

export function attemptId(deliveryId: string, attempt: number): string {
  return `${deliveryId}#${attempt}`;
}

export function parseAttemptId(id: string): { deliveryId: string; attempt: number } | null {
  const i = id.lastIndexOf('#');
  if (i <= 0) return null;
  const attempt = Number(id.slice(i + 1));
  if (!Number.isInteger(attempt) || attempt < 1) return null;
  return { deliveryId: id.slice(0, i), attempt };
}
