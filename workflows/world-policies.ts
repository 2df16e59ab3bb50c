/**
 * The world workflow's first messages (policies, the retire signal), from
 * before WorldService: api/temporal-client.ts and the tests import them
 * through workflows/world.ts, and recorded histories name them, so their names
 * never change.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { PolicyDocument } from '../domain/world/policy';
import type { World } from '../domain/world/world';

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

/** Why a policy write is refused (the `retired` check is the caller's), else undefined. */
export function policyRefusal(
  policies: WorldPolicies,
  { policy, actor }: { policy: unknown; actor: unknown },
): { message: string; type: string } | undefined {
  const refused = (message: string) => ({ message, type: POLICY_REFUSED });
  if (policy === null || typeof policy !== 'object' || Array.isArray(policy))
    return refused('policy must be an object');
  if (typeof actor !== 'string' || actor === '') return refused('actor is required');
  if (policies.versions.length >= MAX_POLICY_VERSIONS)
    return refused(`at most ${MAX_POLICY_VERSIONS} policy versions`);
  if (JSON.stringify(policy).length > MAX_POLICY_BYTES)
    return refused(`policy larger than ${MAX_POLICY_BYTES} bytes`);
  return undefined;
}
