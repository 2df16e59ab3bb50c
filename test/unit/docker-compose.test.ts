/** docker-compose.yml stays valid YAML and registers exactly the Qmtl* search attributes the code uses. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { CLI_TYPE_NAMES } from '../../workers/search-attributes-setup';
import { QMTL_SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';

interface Compose {
  services: Record<string, { command?: string[] | string; deploy?: { replicas?: number } }>;
}

const compose = YAML.parse(readFileSync(path.join(__dirname, '../../docker-compose.yml'), 'utf8'), {
  merge: true,
}) as Compose;

describe('docker-compose.yml', () => {
  it('has the scaled deployment services', () => {
    expect(Object.keys(compose.services)).toEqual(
      expect.arrayContaining([
        'postgresql',
        'temporal',
        'temporal-ui',
        'temporal-setup',
        'gateway',
        'worker',
      ]),
    );
    expect(compose.services.worker?.deploy?.replicas).toBeGreaterThanOrEqual(2);
    expect(compose.services.gateway?.command).toEqual(['node', 'dist/api/main.js']);
    expect(compose.services.worker?.command).toEqual(['node', 'dist/workers/worker-main.js']);
  });

  it('registers the same search attributes as workflows/search-attributes.ts', () => {
    const script = String(compose.services['temporal-setup']?.command);
    const registered = [...script.matchAll(/(Qmtl\w+)=(\w+)/g)].map(([, name, type]) => `${name}=${type}`);
    const expected = QMTL_SEARCH_ATTRIBUTES.map((key) => `${key.name}=${CLI_TYPE_NAMES[key.type]}`);
    expect(registered.sort()).toEqual(expected.sort());
  });
});
