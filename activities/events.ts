/**
 * Publishing to the ControlBus (SPEC §10) from workflows and activities. The
 * caller picks the event key deterministically (e.g. `${workflowId}:${what}:${n}`),
 * so a retried activity or a replayed workflow publishes the event once.
 */
import type { EventInput, EventRecord, Store } from './store/port';

export type PublishEventInput = Omit<EventInput, 'at'>;

/** Publishes once per eventKey; the stored event (the first one) either way. */
export async function publishOnce(store: Store, event: PublishEventInput): Promise<EventRecord> {
  return store.events.publish(event);
}

export function createEventActivities({ store }: { store: Store }) {
  return {
    /** The activity workflows call; answers with the event's seq (the first publish's). */
    async publishEvent(input: PublishEventInput): Promise<{ seq: number }> {
      const { seq } = await publishOnce(store, input);
      return { seq };
    },
  };
}

export type EventActivities = ReturnType<typeof createEventActivities>;
