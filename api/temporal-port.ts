/**
 * What the Gateway needs from Temporal, as an interface: the real adapter
 * wraps @temporalio/client, tests may pass a small object. Resource routes
 * extend it with their workflow operations.
 */
export interface TemporalHealth {
  ok: boolean;
  detail?: string;
}

export interface TemporalPort {
  readonly namespace: string;
  /** host:port of the frontend, when known (shown by /v1/status). */
  readonly address?: string;
  /** Must not throw: an unreachable server is `{ ok: false, detail }`. */
  checkHealth(): Promise<TemporalHealth>;
}
