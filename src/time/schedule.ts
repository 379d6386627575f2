// Temporary: moved to src/schedule (removed once the store tests are updated).
export * from '../schedule/schedule.js';
