/** An answer other than 2xx, as the router's error body states it. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues: { path: string; message: string; code: string }[] = [],
  ) {
    super(message);
  }
}

/** The router's HTTP API with one token (`Authorization: Bearer`, never in the URL). */
export class Api {
  /** `onUnauthorized`: the token was refused (unknown or revoked since sign-in). */
  constructor(
    private readonly token: string,
    private readonly onUnauthorized?: () => void,
  ) {}

  get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }

  post<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>('POST', path, body);
  }

  del<T>(path: string): Promise<T> {
    return this.request<T>('DELETE', path);
  }

  /** A file the router makes (CSV), as a Blob to save. */
  async blob(path: string): Promise<Blob> {
    const r = await fetch(path, { headers: { Authorization: `Bearer ${this.token}` } });
    if (!r.ok) throw await this.refused(r);
    return r.blob();
  }

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    let r: Response;
    try {
      r = await fetch(path, {
        method,
        headers: { Authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      throw new ApiError(0, 'network', 'network');
    }
    if (!r.ok) throw await this.refused(r);
    return (r.status === 204 ? undefined : await r.json()) as T;
  }

  private refused(r: Response): Promise<ApiError> {
    if (r.status === 401) this.onUnauthorized?.();
    return errorOf(r);
  }
}

async function errorOf(r: Response): Promise<ApiError> {
  try {
    const b = (await r.json()) as { error?: { code?: string; message?: string; issues?: ApiError['issues'] } };
    return new ApiError(r.status, b.error?.code ?? String(r.status), b.error?.message ?? r.statusText, b.error?.issues ?? []);
  } catch {
    return new ApiError(r.status, String(r.status), r.statusText);
  }
}
