/**
 * The one configuration object: read once at start-up from the environment
 * (and an optional qmtl.config.json), validated by zod, then passed down.
 * Nothing else in the project reads process.env.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { TASK_QUEUES, type TaskQueue } from '../workflows/task-queues';

const port = z.coerce.number().int().min(1).max(65535);
const optionalText = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v));

/** Environment variable name → config field. The names are the public contract (README table). */
const ENV_NAMES = {
  port: 'QMTL_PORT',
  home: 'QMTL_HOME',
  adminKey: 'QMTL_ADMIN_KEY',
  databaseUrl: 'QMTL_DATABASE_URL',
  logLevel: 'QMTL_LOG_LEVEL',
  maxBodyBytes: 'QMTL_MAX_BODY_BYTES',
  workerQueues: 'QMTL_WORKER_QUEUES',
  temporalAddress: 'TEMPORAL_ADDRESS',
  temporalNamespace: 'TEMPORAL_NAMESPACE',
  temporalApiKey: 'TEMPORAL_API_KEY',
  temporalTlsCertPath: 'TEMPORAL_TLS_CERT_PATH',
  temporalTlsKeyPath: 'TEMPORAL_TLS_KEY_PATH',
  temporalUiPort: 'TEMPORAL_UI_PORT',
  temporalDevPort: 'TEMPORAL_DEV_PORT',
  temporalCliPath: 'TEMPORAL_CLI_PATH',
  temporalTestServerPath: 'TEMPORAL_TEST_SERVER_PATH',
  venueRateLimits: 'QMTL_VENUE_RATE_LIMITS',
  plugins: 'QMTL_PLUGINS',
  simStartingBalances: 'QMTL_SIM_BALANCES',
  orderPollMs: 'QMTL_ORDER_POLL_MS',
  reconcileIntervalMs: 'QMTL_RECONCILE_INTERVAL_MS',
  orphanPolicy: 'QMTL_ORPHAN_POLICY',
  dayCutoffUtc: 'QMTL_DAY_CUTOFF_UTC',
  demo: 'QMTL_DEMO',
} as const;

type ConfigField = keyof typeof ENV_NAMES;

/** `*` names every exchange not listed: they share one rate-limited queue (workers/venue-queues.ts). */
export const OTHER_VENUES = '*';

/**
 * Backfill chunk activities started per second, across every worker, per
 * exchange: `sim` is local and practically unlimited; an exchange nobody
 * listed shares a conservative budget with the others nobody listed.
 */
export const DEFAULT_VENUE_RATE_LIMITS: Readonly<Record<string, number>> = { sim: 1000, [OTHER_VENUES]: 5 };

/** What is wrong with one `exchange=perSecond` entry, if anything. */
function rateLimitProblem(parts: string[], listed: ReadonlySet<string>): string | undefined {
  const [name = '', rate, ...extra] = parts;
  if (rate === undefined || extra.length > 0) {
    return `'${parts.join('=')}' must be exchange=perSecond (e.g. binance=10)`;
  }
  if (!/^([a-z0-9_]+|\*)$/.test(name)) {
    return `'${name}' is not an exchange id (lower-case letters, digits, _) nor ${OTHER_VENUES}`;
  }
  const perSecond = rate === '' ? NaN : Number(rate);
  if (!Number.isFinite(perSecond) || perSecond <= 0) {
    return `${name}: '${rate}' is not a positive number of chunk activities per second`;
  }
  return listed.has(name) ? `${name} is listed twice` : undefined;
}

/**
 * `binance=10,okx=5,sim=1000` (or the same as an object in qmtl.config.json),
 * laid over the defaults. Exchange ids as in `ohlcv:{exchange}:…` sources.
 */
const venueRateLimits = z.union([z.string(), z.record(z.string(), z.number())]).transform((value, ctx) => {
  const entries =
    typeof value === 'string'
      ? value
          .split(',')
          .map((entry) => entry.trim())
          .filter(Boolean)
          .map((entry) => entry.split('=').map((part) => part.trim()))
      : Object.entries(value).map(([name, rate]) => [name, String(rate)]);
  const limits: Record<string, number> = { ...DEFAULT_VENUE_RATE_LIMITS };
  const listed = new Set<string>();
  for (const parts of entries) {
    const problem = rateLimitProblem(parts, listed);
    if (problem !== undefined) {
      ctx.addIssue({ code: 'custom', message: problem });
      return z.NEVER;
    }
    listed.add(parts[0]!);
    limits[parts[0]!] = Number(parts[1]);
  }
  return limits;
});

export const configSchema = z.object({
  port: port.default(8080),
  home: z.string().min(1).default('.qmtl'),
  adminKey: optionalText.pipe(z.string().min(16, 'must be at least 16 characters').optional()),
  databaseUrl: optionalText.pipe(
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
      .optional(),
  ),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  maxBodyBytes: z.coerce.number().int().min(1024).default(1_048_576),
  workerQueues: z
    .string()
    .default(TASK_QUEUES.join(','))
    .transform((v) =>
      v
        .split(',')
        .map((q) => q.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.enum(TASK_QUEUES)).min(1)),
  temporalAddress: optionalText,
  temporalNamespace: z.string().min(1).default('default'),
  temporalApiKey: optionalText,
  temporalTlsCertPath: optionalText,
  temporalTlsKeyPath: optionalText,
  temporalUiPort: port.default(8233),
  temporalDevPort: port.default(7233),
  temporalCliPath: optionalText,
  temporalTestServerPath: optionalText,
  venueRateLimits: venueRateLimits.default({ ...DEFAULT_VENUE_RATE_LIMITS }),
  /** Node-type plugin modules (workers/plugins.ts), relative to the working directory. */
  plugins: z
    .union([z.string(), z.array(z.string())])
    .default([])
    .transform((value) =>
      (typeof value === 'string' ? value.split(',') : value).map((file) => file.trim()).filter(Boolean),
    ),
  /** Starting balances of every `sim` account, e.g. `USDT=100000,BTC=0` (decimal text). */
  simStartingBalances: z
    .union([z.string(), z.record(z.string(), z.string())])
    .default('USDT=100000')
    .transform((value, ctx) => {
      const entries =
        typeof value === 'string'
          ? value
              .split(',')
              .map((entry) => entry.trim())
              .filter(Boolean)
              .map((entry) => entry.split('=').map((part) => part.trim()))
          : Object.entries(value);
      const totals: Record<string, string> = {};
      for (const [currency = '', amount, ...extra] of entries) {
        if (!/^[A-Z0-9]{2,12}$/.test(currency) || amount === undefined || extra.length > 0) {
          ctx.addIssue({
            code: 'custom',
            message: `'${currency}' must be CURRENCY=amount (e.g. USDT=100000)`,
          });
          return z.NEVER;
        }
        if (!/^\d+(\.\d+)?$/.test(amount)) {
          ctx.addIssue({ code: 'custom', message: `${currency}: '${amount}' is not a non-negative decimal` });
          return z.NEVER;
        }
        totals[currency] = amount;
      }
      return totals;
    }),
  /** How often a working order asks its venue for fills. */
  orderPollMs: z.coerce.number().int().min(100).max(3_600_000).default(5_000),
  /** How often each venue account is reconciled (it also runs at worker start). */
  reconcileIntervalMs: z.coerce.number().int().min(1_000).max(86_400_000).default(300_000),
  /** What reconciliation does with a venue order no workflow knows: adopt it, or cancel it. */
  orphanPolicy: z.enum(['adopt', 'cancel']).default('adopt'),
  /** DAY orders on venues without sessions (crypto) expire at this UTC time, HH:MM. */
  dayCutoffUtc: z
    .string()
    .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (UTC)')
    .default('00:00'),
  /** `npm start` seeds the demo world and strategies (sdk/cli/demo.ts); also `npm start -- --demo`. */
  demo: z
    .union([z.boolean(), z.enum(['1', '0', 'true', 'false', ''])])
    .default(false)
    .transform((v) => v === true || v === '1' || v === 'true'),
});

export type QmtlConfig = z.infer<typeof configSchema> & { workerQueues: TaskQueue[] };

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * Parse configuration from an environment map (and `qmtl.config.json` in `cwd`
 * when present; the environment wins). A bad value throws a ConfigError whose
 * message names the variable.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): QmtlConfig {
  const fromFile = readConfigFile(cwd);
  const raw: Record<string, unknown> = { ...fromFile };
  for (const [field, name] of Object.entries(ENV_NAMES)) {
    const value = env[name];
    if (value !== undefined) raw[field] = value;
  }
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const field = String(issue.path[0]) as ConfigField;
      return `${ENV_NAMES[field] ?? field}: ${issue.message}`;
    });
    throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  }
  const config = parsed.data as QmtlConfig;
  return { ...config, home: path.resolve(cwd, config.home) };
}

function readConfigFile(cwd: string): Record<string, unknown> {
  const file = path.join(cwd, 'qmtl.config.json');
  if (!existsSync(file)) return {};
  try {
    const value: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new ConfigError('qmtl.config.json: must hold a JSON object');
    }
    return value as Record<string, unknown>;
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(`qmtl.config.json: ${(err as Error).message}`);
  }
}
