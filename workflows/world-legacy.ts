/**
 * The world workflow as it ran before WorldService (`patched('world-service')`
 * false): config and policy versions until retired. Kept command-for-command
 * so histories recorded by it still replay; new runs never take this path.
 */
import { ApplicationFailure, condition, continueAsNew, defineSignal, setHandler } from '@temporalio/workflow';
import type { World } from '../domain/world/world';
import {
  UNKNOWN_POLICY_VERSION,
  WORLD_RETIRED,
  addPolicyUpdate,
  policyRefusal,
  retireWorldSignal,
  setDefaultPolicyUpdate,
  worldPoliciesQuery,
  worldQuery,
  type PolicyVersion,
} from './world-policies';

/**
 * Moves a world started before WorldService onto the v2 workflow (continue-as-new
 * carrying its policies). The Gateway sends it when such a world does not
 * answer the snapshot query; histories recorded before never see it, so they
 * replay unchanged.
 */
export const upgradeWorldSignal = defineSignal('upgrade');

export async function legacyWorld(world: World): Promise<{ retired: string }> {
  let retiredFor: string | undefined;
  let upgrade = false;
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
      validator: (input) => {
        refuseIfRetired();
        const refusal = policyRefusal({ default_version: defaultVersion, versions }, input);
        if (refusal) throw ApplicationFailure.nonRetryable(refusal.message, refusal.type);
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

  setHandler(upgradeWorldSignal, () => {
    upgrade = true;
  });

  await condition(() => retiredFor !== undefined || upgrade);
  if (retiredFor === undefined)
    await continueAsNew({ world, carried: { policies: { default_version: defaultVersion, versions } } });
  return { retired: retiredFor ?? '' };
}
