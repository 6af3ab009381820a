import { NOT_ANSWERED, NOT_REACHED } from '../model/statuses';

/** The per-person table's filter: a status or group of them, a channel, an area (and below), a name. */
export interface TableFilter {
  /** '' (all), 'notReached', 'notAnswered', or one status. */
  status: string;
  channel: string;
  area: string;
  q: string;
}

export const NO_FILTER: TableFilter = { status: '', channel: '', area: '', q: '' };

/** The filter as the API's query string (shared by the table, CSV export and "send again"). */
export function filterQuery(f: TableFilter): string {
  const status = f.status === 'notReached' ? NOT_REACHED.join(',') : f.status === 'notAnswered' ? NOT_ANSWERED.join(',') : f.status;
  const q = new URLSearchParams();
  if (status) q.set('status', status);
  if (f.channel) q.set('channel', f.channel);
  if (f.area) q.set('area', f.area);
  if (f.q.trim()) q.set('q', f.q.trim());
  return q.toString();
}

/** A CSV file's name: the order's ref, the filter when there is one, no characters a file system refuses. */
export function csvFilename(ref: string, orderId: string, f: TableFilter = NO_FILTER): string {
  const parts = ['lifeline', ref, orderId, f.status, f.channel, f.area].filter(Boolean);
  return `${parts.join('-').replace(/[^\w.-]+/g, '_')}.csv`;
}
