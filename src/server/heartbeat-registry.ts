import type { Timers } from '../clock/index.js';

/** What the registry needs from a stream. */
export interface HeartbeatMember {
  /** Position in its group's member array (for O(1) removal); -1 when not registered. */
  heartbeatIndex: number;
  /** The group tick at which the member last wrote anything. */
  lastActivityTick: number;
  /** Writes one heartbeat comment (and records the activity). */
  sendHeartbeat(): void;
}

/**
 * Ticks per heartbeat interval. A member is due when it has been idle for this many ticks, so a
 * heartbeat goes out after between 3/4 and 4/4 of `heartbeatMs` of silence: never later than
 * asked, and at most one timer wake-up every quarter interval for ALL streams together.
 */
export const TICKS_PER_INTERVAL = 4;

/**
 * All streams that share one `Timers` and one heartbeat interval. Why one timer for all rather than
 * one per stream: 10 000 `setTimeout`s, each re-armed on every write, cost a timer-heap insert
 * per event per stream; here a write costs one integer store (`lastActivityTick = tick`), and
 * the tick walks an array of 10 000 entries in well under a millisecond every few seconds.
 * Activity is counted in ticks, not read from a clock, so the hot path never calls `Date.now()`.
 */
export class HeartbeatGroup {
  tick = 0;
  readonly #members: HeartbeatMember[] = [];
  #timer: unknown;

  constructor(
    readonly timers: Timers,
    readonly intervalMs: number,
    private readonly onEmpty: (group: HeartbeatGroup) => void,
  ) {}

  get size(): number {
    return this.#members.length;
  }

  add(member: HeartbeatMember): void {
    member.heartbeatIndex = this.#members.length;
    member.lastActivityTick = this.tick;
    this.#members.push(member);
    if (this.#timer === undefined) this.#arm();
  }

  /** Swap-remove: O(1), order does not matter. */
  remove(member: HeartbeatMember): void {
    const index = member.heartbeatIndex;
    if (index < 0 || this.#members[index] !== member) return;
    const last = this.#members.pop()!;
    if (last !== member) {
      this.#members[index] = last;
      last.heartbeatIndex = index;
    }
    member.heartbeatIndex = -1;
    if (this.#members.length === 0) {
      this.timers.clearTimeout(this.#timer);
      this.#timer = undefined;
      this.onEmpty(this);
    }
  }

  /** One timeout per tick, re-armed while the group has members (a timeout port has no interval). */
  #arm(): void {
    const tickMs = Math.max(1, Math.ceil(this.intervalMs / TICKS_PER_INTERVAL));
    this.#timer = this.timers.setTimeout(() => {
      this.#timer = undefined;
      this.onTick();
      if (this.#members.length > 0 && this.#timer === undefined) this.#arm();
    }, tickMs);
  }

  onTick(): void {
    const tick = ++this.tick;
    // Backwards, because a heartbeat can close its stream (queue overflow), and swap-remove then
    // moves an already visited member into the current slot.
    for (let i = this.#members.length - 1; i >= 0; i--) {
      const member = this.#members[i];
      if (member !== undefined && tick - member.lastActivityTick >= TICKS_PER_INTERVAL) {
        member.sendHeartbeat();
      }
    }
  }
}

/** Groups by timers, then by interval. The default timers' map lives as long as the module. */
const groupsByTimers = new WeakMap<Timers, Map<number, HeartbeatGroup>>();

function forgetGroup(group: HeartbeatGroup): void {
  groupsByTimers.get(group.timers)?.delete(group.intervalMs);
}

/** Registers `member` for heartbeats every `intervalMs` on `timers`; returns its group. */
export function joinHeartbeat(timers: Timers, intervalMs: number, member: HeartbeatMember): HeartbeatGroup {
  let groups = groupsByTimers.get(timers);
  if (groups === undefined) {
    groups = new Map();
    groupsByTimers.set(timers, groups);
  }
  let group = groups.get(intervalMs);
  if (group === undefined) {
    group = new HeartbeatGroup(timers, intervalMs, forgetGroup);
    groups.set(intervalMs, group);
  }
  group.add(member);
  return group;
}

/** Number of streams registered for heartbeats on `timers` (for leak checks in tests and metrics). */
export function heartbeatMemberCount(timers: Timers): number {
  let count = 0;
  for (const group of groupsByTimers.get(timers)?.values() ?? []) count += group.size;
  return count;
}
