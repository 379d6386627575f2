/** Time as a port: `Clock` reads the wall clock, `Timers` waits. Imports nothing. */
export { type Clock, systemClock } from './clock.js';
export { MAX_TIMER_DELAY_MS, systemTimers, type Timers } from './timers.js';
