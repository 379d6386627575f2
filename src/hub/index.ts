export { EARLIEST, Hub, type HubObserver, type HubOptions, type Scheduler, systemScheduler } from './hub.js';
export type { PublishInput } from './publish.js';
export { PublishError, type PublishErrorCode } from './publish-error.js';
export {
  type ScheduledPublication,
  ScheduledPublishing,
  type ScheduledPublishingOptions,
} from './scheduled-publishing.js';
export { type PollEvent, Update } from './update.js';
