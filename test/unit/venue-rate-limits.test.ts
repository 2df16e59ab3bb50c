/**
 * QMTL_VENUE_RATE_LIMITS (SPEC §7 per-exchange task queue limits): parsing
 * over the defaults, refusals naming the variable, and which queue an
 * exchange's backfill chunks go to.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../workers/config';
import { chunkQueueRouter, venueTaskQueue } from '../../workers/venue-queues';

describe('QMTL_VENUE_RATE_LIMITS', () => {
  let cwd: string;
  beforeEach(() => {
    cwd = mkdtempSync(path.join(os.tmpdir(), 'qmtl-venue-limits-'));
  });
  afterEach(() => rmSync(cwd, { recursive: true, force: true }));

  const limits = (value?: string) =>
    loadConfig(value === undefined ? {} : { QMTL_VENUE_RATE_LIMITS: value }, cwd).venueRateLimits;

  it('defaults to sim at 1000/s and 5/s shared by every exchange not listed', () => {
    expect(limits()).toEqual({ sim: 1000, '*': 5 });
    expect(limits('')).toEqual({ sim: 1000, '*': 5 });
  });

  it('lays the listed exchanges over the defaults', () => {
    expect(limits('binance=10,okx=5,sim=1000')).toEqual({ sim: 1000, '*': 5, binance: 10, okx: 5 });
    expect(limits(' binance = 2.5 , *=1 , sim=50 ')).toEqual({ sim: 50, '*': 1, binance: 2.5 });
  });

  it('reads the same as an object from qmtl.config.json, and the environment wins', () => {
    writeFileSync(path.join(cwd, 'qmtl.config.json'), JSON.stringify({ venueRateLimits: { kraken: 3 } }));
    expect(loadConfig({}, cwd).venueRateLimits).toEqual({ sim: 1000, '*': 5, kraken: 3 });
    expect(loadConfig({ QMTL_VENUE_RATE_LIMITS: 'okx=4' }, cwd).venueRateLimits).toEqual({
      sim: 1000,
      '*': 5,
      okx: 4,
    });
  });

  it.each([
    ['binance=fast', "binance: 'fast' is not a positive number of chunk activities per second"],
    ['binance=0', "binance: '0' is not a positive number of chunk activities per second"],
    ['binance=-3', "binance: '-3' is not a positive number of chunk activities per second"],
    ['binance=', "binance: '' is not a positive number of chunk activities per second"],
    ['binance', "'binance' must be exchange=perSecond (e.g. binance=10)"],
    ['binance=1=2', "'binance=1=2' must be exchange=perSecond (e.g. binance=10)"],
    ['Binance=10', "'Binance' is not an exchange id (lower-case letters, digits, _) nor *"],
    ['okx=5,okx=6', 'okx is listed twice'],
  ])('refuses %s naming the variable', (value, problem) => {
    expect(() => limits(value)).toThrow(ConfigError);
    expect(() => limits(value)).toThrow(`invalid configuration: QMTL_VENUE_RATE_LIMITS: ${problem}`);
  });
});

describe('chunk queues', () => {
  it('names one queue per exchange, and one shared by the unlisted ones', () => {
    expect(venueTaskQueue('binance')).toBe('qmtl-data.binance');
    expect(venueTaskQueue('*')).toBe('qmtl-data.other-venues');
  });

  it('routes listed exchanges to their own queue and the rest to the shared one', () => {
    const route = chunkQueueRouter({ sim: 1000, binance: 10, '*': 5 });
    expect(route('sim')).toBe('qmtl-data.sim');
    expect(route('binance')).toBe('qmtl-data.binance');
    expect(route('kraken')).toBe('qmtl-data.other-venues');
    expect(route('toString')).toBe('qmtl-data.other-venues');
  });

  it("leaves unlisted exchanges on the backfill's own queue when there is no shared one", () => {
    expect(chunkQueueRouter({ sim: 1000 })('kraken')).toBeUndefined();
  });
});
