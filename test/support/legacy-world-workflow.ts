/**
 * The world workflow as releases before WorldService ran it (no
 * `patched('world-service')` marker in its history): the upgrade test starts
 * a world on this bundle, then lets the current code take it over.
 */
import type { WorldWorkflowInput } from '../../workflows/world-messages';
import { legacyWorld } from '../../workflows/world-legacy';

export async function worldWorkflow(input: WorldWorkflowInput): Promise<{ retired: string }> {
  return legacyWorld(input.world);
}
