import type { Logger } from 'pino';
import type { Hub } from '../hub/hub.js';
import { ScheduledPublishing, type ScheduledPublishingOptions } from '../hub/scheduled-publishing.js';
import { MemoryScheduleStore } from '../store/schedule-memory.js';
import type { ScheduleStore } from '../time/schedule-store.js';

/** `createHub`'s `scheduling` option: the scheduler's knobs (timers, lease, horizon, worker id). */
export type SchedulingOptions = Omit<ScheduledPublishingOptions, 'hub' | 'store' | 'onError'>;

/**
 * Builds and starts the hub's scheduled publishing: the schedule store opened beside the events
 * (`openStore`'s `schedules`; a memory one when the caller passed a store without it), timers
 * from `scheduling.timers`, else the hub's (injected, or the system's unref'd ones). `start` delivers
 * what fell due while the hub was down before the hub serves requests.
 */
export async function startScheduling(
  hub: Hub,
  store: ScheduleStore | undefined,
  options: SchedulingOptions | undefined,
  logger: Logger | undefined,
): Promise<ScheduledPublishing> {
  const timers = options?.timers ?? hub.scheduler;
  const publishing = new ScheduledPublishing({
    ...options,
    hub,
    store: store ?? new MemoryScheduleStore(),
    timers,
    onError: (error, schedule) =>
      logger?.error({ err: error, scheduleId: schedule?.id }, 'scheduled delivery failed'),
  });
  await publishing.start();
  return publishing;
}
