/**
 * The CLI's door to the Gateway: authenticated JSON (or text) requests, and a
 * problem+json answer turned into one error carrying the stable code. The CLI
 * speaks only HTTP; it never touches Temporal or the store.
 */

export interface CliTarget {
  /** Gateway base URL, e.g. http://127.0.0.1:8080. */
  url: string;
  apiKey: string;
}

export class ApiProblem extends Error {
  override name = 'ApiProblem';

  constructor(
    readonly status: number,
    readonly code: string,
    detail: string,
    readonly errors: Array<{ path: string; message: string }> = [],
  ) {
    super(detail);
  }

  /** One line per field error after the detail, as a person reads it. */
  describe(): string {
    const fields = this.errors.map((e) => `\n  ${e.path}: ${e.message}`).join('');
    return `${this.code} (${this.status}): ${this.message}${fields}`;
  }
}

export class GatewayClient {
  constructor(
    private readonly target: CliTarget,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}

  async json<T>(method: 'GET' | 'POST', route: string, body?: unknown): Promise<T> {
    const res = await this.send(method, route, body);
    return (await res.json()) as T;
  }

  async text(route: string): Promise<string> {
    return (await this.send('GET', route)).text();
  }

  private async send(method: string, route: string, body?: unknown): Promise<Response> {
    let res: Response;
    try {
      res = await this.fetchImpl(new URL(route, this.target.url), {
        method,
        headers: {
          authorization: `Bearer ${this.target.apiKey}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (err) {
      throw new ApiProblem(0, 'E_UNREACHABLE', `cannot reach ${this.target.url}: ${(err as Error).message}`);
    }
    if (res.ok) return res;
    const text = await res.text();
    try {
      const problem = JSON.parse(text) as { code?: string; detail?: string; errors?: ApiProblem['errors'] };
      throw new ApiProblem(res.status, problem.code ?? 'E_UNKNOWN', problem.detail ?? text, problem.errors);
    } catch (err) {
      if (err instanceof ApiProblem) throw err;
      throw new ApiProblem(res.status, 'E_UNKNOWN', text.slice(0, 500));
    }
  }
}
