/**
 * world:{worldId} — the world's entity workflow. It owns the world's
 * configuration and versioned policies; reads are queries, writes are updates
 * with validators (bindings, activation and apply come later).
 *
 * Handlers add no commands, so histories recorded before policies existed
 * still replay: the command order is unchanged.
 */
import {
  ApplicationFailure,
  condition,
  defineQuery,
  defineSignal,
  defineUpdate,
  setHandler,
} from '@temporalio/workflow';
import type { PolicyDocument } from '../domain/world/policy';
import type { World } from '../domain/world/world';

export interface WorldWorkflowInput {
  world: World;
}

export interface PolicyVersion {
  version: number;
  /** Workflow time of the update, so replays agree. */
  created_at: string;
  actor: string;
  policy: PolicyDocument;
}

export interface WorldPolicies {
  default_version: number | null;
  versions: PolicyVersion[];
}

/** Refusal types the Gateway maps to status codes (api/temporal-client.ts). */
export const WORLD_RETIRED = 'WORLD_RETIRED';
export const UNKNOWN_POLICY_VERSION = 'UNKNOWN_POLICY_VERSION';
export const POLICY_REFUSED = 'POLICY_REFUSED';

// Policies live in workflow state and every query returns them; bound both.
export const MAX_POLICY_VERSIONS = 100;
export const MAX_POLICY_BYTES = 64 * 1024;

export const worldQuery = defineQuery<World>('world');
export const worldPoliciesQuery = defineQuery<WorldPolicies>('policies');
export const retireWorldSignal = defineSignal<[{ reason: string }]>('retire');
/** The gateway parses the policy (domain/world/policy.ts); the first version becomes default. */
export const addPolicyUpdate = defineUpdate<{ version: number }, [{ policy: PolicyDocument; actor: string }]>(
  'addPolicy',
);
export const setDefaultPolicyUpdate = defineUpdate<
  { default_version: number },
  [{ version: number; actor: string }]
>('setDefaultPolicy');

export async function worldWorkflow({ world }: WorldWorkflowInput): Promise<{ retired: string }> {
  let retiredFor: string | undefined;
  const versions: PolicyVersion[] = [];
  let defaultVersion: number | null = null;

  const refuseIfRetired = () => {
    if (retiredFor !== undefined)
      throw ApplicationFailure.nonRetryable(`world ${world.id} is retired`, WORLD_RETIRED);
  };

  setHandler(worldQuery, () => world);
  setHandler(worldPoliciesQuery, () => ({ default_version: defaultVersion, versions }));
  setHandler(retireWorldSignal, ({ reason }) => {
    retiredFor = reason;
  });
  setHandler(
    addPolicyUpdate,
    ({ policy, actor }) => {
      const version = versions.length + 1;
      versions.push({ version, created_at: new Date().toISOString(), actor, policy });
      if (defaultVersion === null) defaultVersion = version;
      return { version };
    },
    {
      validator: ({ policy, actor }) => {
        refuseIfRetired();
        if (policy === null || typeof policy !== 'object' || Array.isArray(policy))
          throw ApplicationFailure.nonRetryable('policy must be an object', POLICY_REFUSED);
        if (typeof actor !== 'string' || actor === '')
          throw ApplicationFailure.nonRetryable('actor is required', POLICY_REFUSED);
        if (versions.length >= MAX_POLICY_VERSIONS)
          throw ApplicationFailure.nonRetryable(
            `at most ${MAX_POLICY_VERSIONS} policy versions`,
            POLICY_REFUSED,
          );
        if (JSON.stringify(policy).length > MAX_POLICY_BYTES)
          throw ApplicationFailure.nonRetryable(
            `policy larger than ${MAX_POLICY_BYTES} bytes`,
            POLICY_REFUSED,
          );
      },
    },
  );
  setHandler(
    setDefaultPolicyUpdate,
    ({ version }) => {
      defaultVersion = version;
      return { default_version: version };
    },
    {
      validator: ({ version }) => {
        refuseIfRetired();
        if (!versions.some((v) => v.version === version))
          throw ApplicationFailure.nonRetryable(
            `world ${world.id} has no policy version ${version}`,
            UNKNOWN_POLICY_VERSION,
          );
      },
    },
  );

  await condition(() => retiredFor !== undefined);
  return { retired: retiredFor ?? '' };
}
