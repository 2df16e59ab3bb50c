/**
 * world:{worldId} — the world's entity workflow. It owns the world's
 * configuration and answers reads by query; writes arrive as updates (policies,
 * bindings, activation and apply come with the WorldService issue).
 */
import { condition, defineQuery, defineSignal, setHandler } from '@temporalio/workflow';
import type { World } from '../domain/world/world';

export interface WorldWorkflowInput {
  world: World;
}

export const worldQuery = defineQuery<World>('world');
export const retireWorldSignal = defineSignal<[{ reason: string }]>('retire');

export async function worldWorkflow({ world }: WorldWorkflowInput): Promise<{ retired: string }> {
  let retiredFor: string | undefined;
  setHandler(worldQuery, () => world);
  setHandler(retireWorldSignal, ({ reason }) => {
    retiredFor = reason;
  });
  await condition(() => retiredFor !== undefined);
  return { retired: retiredFor ?? '' };
}
