/**
 * The keys and Lua scripts of the Redis ScheduleStore (`schedule-redis.ts`). Every script runs
 * atomically on the server, which is what makes a claim exclusive and a completion or renewal
 * holder-only across every hub process sharing the keys. Each script's first line names it, so it
 * can be told apart in MONITOR and SLOWLOG.
 *
 * Keys (under the store's prefix P, `herald:` by default, shared with the event store's keys):
 * - `P:schedule:<id>`: hash, one schedule. Fields `id`, `topics` (JSON), `ownerId`, `event` (JSON),
 *   `dueAtMs`, `zone`, `local`, `disambiguation`, `rrule`, `occurrenceIndex`, `createdAtMs`, `state`,
 *   `claimedBy`, `leaseUntilMs`, `deliveredCount`, `lastDeliveredAtMs`, `lastLateByMs`; a field that has no value
 *   is absent. Numbers are decimal integers.
 * - `P:schedules:pending`: sorted set of the `pending` ids, scored by `dueAtMs`.
 * - `P:schedules:leases`: sorted set of the `claimed` ids, scored by `leaseUntilMs`.
 * - `P:schedules:all`: sorted set of every id until purged, scored by `dueAtMs` (the list order:
 *   score, then id, byte by byte).
 * - `P:schedules:finished`: sorted set of the `done` and `cancelled` ids, scored by `createdAtMs`
 *   (what `purgeFinished` deletes).
 * A schedule is in exactly one of `pending`, `leases`, `finished`, by its state.
 *
 * Instants come in as decimal strings computed by the caller (`nowMs + leaseMs` included) and are
 * written back as they came: a Lua number would print 1.7e+12. The scripts touch per-id hashes they
 * do not declare as keys: not for Redis Cluster, as the event store.
 */

export interface RedisScheduleKeys {
  /** `schedulePrefix + id`: the schedule's hash. */
  schedulePrefix: string;
  pending: string;
  leases: string;
  all: string;
  finished: string;
}

export function redisScheduleKeys(prefix: string): RedisScheduleKeys {
  return {
    schedulePrefix: `${prefix}schedule:`,
    pending: `${prefix}schedules:pending`,
    leases: `${prefix}schedules:leases`,
    all: `${prefix}schedules:all`,
    finished: `${prefix}schedules:finished`,
  };
}

/**
 * KEYS: the hash, pending, all. ARGV: id, dueAtMs, then the hash's fields and values. Returns 0
 * (and writes nothing) when the id exists, else 1.
 */
export const ADD_SCRIPT = `-- herald schedule: add
local hashKey, pendingKey, allKey = KEYS[1], KEYS[2], KEYS[3]
local id, dueAtMs = ARGV[1], ARGV[2]
if redis.call('EXISTS', hashKey) == 1 then return 0 end
redis.call('HSET', hashKey, unpack(ARGV, 3))
redis.call('ZADD', pendingKey, dueAtMs, id)
redis.call('ZADD', allKey, dueAtMs, id)
return 1
`;

/**
 * KEYS: pending, leases. ARGV: nowMs, limit, workerId, leaseUntilMs, the hash prefix. Claims up to
 * `limit` due schedules, earliest `dueAtMs` (then id) first: pending ones due at `nowMs`, and
 * claimed ones whose lease expired at `nowMs` (all of those are read and ranked by their due time:
 * they are the claims of workers that died or stalled, a few batches at most). Returns each claimed
 * schedule's hash (HGETALL), in that order.
 */
export const CLAIM_SCRIPT = `-- herald schedule: claim
local pendingKey, leasesKey = KEYS[1], KEYS[2]
local nowMs, limit, workerId, leaseUntilMs, prefix = ARGV[1], tonumber(ARGV[2]), ARGV[3], ARGV[4], ARGV[5]
if limit <= 0 then return {} end
local candidates = {}
for _, id in ipairs(redis.call('ZRANGEBYSCORE', leasesKey, '-inf', nowMs)) do
  local dueAtMs = tonumber(redis.call('HGET', prefix .. id, 'dueAtMs'))
  if dueAtMs then
    candidates[#candidates + 1] = { id, dueAtMs }
  else
    redis.call('ZREM', leasesKey, id)
  end
end
local pending = redis.call('ZRANGEBYSCORE', pendingKey, '-inf', nowMs, 'WITHSCORES', 'LIMIT', 0, limit)
for i = 1, #pending, 2 do candidates[#candidates + 1] = { pending[i], tonumber(pending[i + 1]) } end
table.sort(candidates, function(a, b)
  if a[2] ~= b[2] then return a[2] < b[2] end
  return a[1] < b[1]
end)
local claimed = {}
for i = 1, math.min(limit, #candidates) do
  local id = candidates[i][1]
  local key = prefix .. id
  redis.call('HSET', key, 'state', 'claimed', 'claimedBy', workerId, 'leaseUntilMs', leaseUntilMs)
  redis.call('ZREM', pendingKey, id)
  redis.call('ZADD', leasesKey, leaseUntilMs, id)
  claimed[#claimed + 1] = redis.call('HGETALL', key)
end
return claimed
`;

/**
 * KEYS: pending, leases, all, finished. ARGV: workerId, the hash prefix, then per completion: id,
 * nextDueMs ('' for none: done), deliveredAtMs, lateByMs, nextOccurrenceIndex ('' to keep the
 * stored one). Applies each completion whose schedule is
 * `claimed` by `workerId` right then, skips the others; returns how many it applied.
 */
export const COMPLETE_SCRIPT = `-- herald schedule: complete
local pendingKey, leasesKey, allKey, finishedKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local workerId, prefix = ARGV[1], ARGV[2]
local completed = 0
for i = 3, #ARGV, 5 do
  local id, nextDueMs, deliveredAtMs, lateByMs = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
  local nextOccurrenceIndex = ARGV[i + 4]
  local key = prefix .. id
  local fields = redis.call('HMGET', key, 'state', 'claimedBy', 'createdAtMs')
  if fields[1] == 'claimed' and fields[2] == workerId then
    redis.call('HDEL', key, 'claimedBy', 'leaseUntilMs')
    redis.call('HINCRBY', key, 'deliveredCount', 1)
    redis.call('HSET', key, 'lastDeliveredAtMs', deliveredAtMs, 'lastLateByMs', lateByMs)
    redis.call('ZREM', leasesKey, id)
    if nextDueMs == '' then
      redis.call('HSET', key, 'state', 'done')
      redis.call('ZADD', finishedKey, fields[3], id)
    else
      redis.call('HSET', key, 'state', 'pending', 'dueAtMs', nextDueMs)
      if nextOccurrenceIndex ~= '' then
        redis.call('HSET', key, 'occurrenceIndex', nextOccurrenceIndex)
      end
      redis.call('ZADD', pendingKey, nextDueMs, id)
      redis.call('ZADD', allKey, nextDueMs, id)
    end
    completed = completed + 1
  end
end
return completed
`;

/**
 * KEYS: leases. ARGV: workerId, leaseUntilMs, the hash prefix, then the ids. Moves the lease of each
 * id `claimed` by `workerId` to `leaseUntilMs`; returns those ids, in ARGV order.
 */
export const RENEW_SCRIPT = `-- herald schedule: renew
local leasesKey = KEYS[1]
local workerId, leaseUntilMs, prefix = ARGV[1], ARGV[2], ARGV[3]
local renewed = {}
for i = 4, #ARGV do
  local id = ARGV[i]
  local key = prefix .. id
  local fields = redis.call('HMGET', key, 'state', 'claimedBy')
  if fields[1] == 'claimed' and fields[2] == workerId then
    redis.call('HSET', key, 'leaseUntilMs', leaseUntilMs)
    redis.call('ZADD', leasesKey, leaseUntilMs, id)
    renewed[#renewed + 1] = id
  end
end
return renewed
`;

/**
 * KEYS: the hash, pending, leases, finished. ARGV: id, ownerId, '1' when the owner must match.
 * Cancels a pending or claimed schedule; returns 1, or 0 when it is unknown, finished or another
 * owner's.
 */
export const CANCEL_SCRIPT = `-- herald schedule: cancel
local key, pendingKey, leasesKey, finishedKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local id, ownerId, checksOwner = ARGV[1], ARGV[2], ARGV[3] == '1'
local fields = redis.call('HMGET', key, 'state', 'ownerId', 'createdAtMs')
if fields[1] ~= 'pending' and fields[1] ~= 'claimed' then return 0 end
if checksOwner and fields[2] ~= ownerId then return 0 end
redis.call('HSET', key, 'state', 'cancelled')
redis.call('HDEL', key, 'claimedBy', 'leaseUntilMs')
redis.call('ZREM', pendingKey, id)
redis.call('ZREM', leasesKey, id)
redis.call('ZADD', finishedKey, fields[3], id)
return 1
`;

/**
 * KEYS: pending, leases. Returns the lowest score of each ('' when empty): the earliest due time and
 * the earliest lease expiry, read together.
 */
export const NEXT_DUE_SCRIPT = `-- herald schedule: next due
local pending = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local leases = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
return { pending[2] or '', leases[2] or '' }
`;

/**
 * KEYS: all. ARGV: start, stop (ranks, inclusive), the hash prefix. Returns the hashes of the
 * schedules at those ranks of the list order, one consistent page.
 */
export const LIST_PAGE_SCRIPT = `-- herald schedule: list page
local page = {}
for i, id in ipairs(redis.call('ZRANGE', KEYS[1], ARGV[1], ARGV[2])) do
  page[i] = redis.call('HGETALL', ARGV[3] .. id)
end
return page
`;

/**
 * KEYS: finished, all. ARGV: beforeMs, batch, the hash prefix. Deletes at most `batch` finished
 * schedules created before `beforeMs`; returns how many. The caller repeats while a whole batch
 * went, so no single call blocks Redis for long.
 */
export const PURGE_SCRIPT = `-- herald schedule: purge
local finishedKey, allKey = KEYS[1], KEYS[2]
local beforeMs, batch, prefix = ARGV[1], ARGV[2], ARGV[3]
local ids = redis.call('ZRANGEBYSCORE', finishedKey, '-inf', '(' .. beforeMs, 'LIMIT', 0, batch)
for _, id in ipairs(ids) do
  redis.call('DEL', prefix .. id)
  redis.call('ZREM', allKey, id)
  redis.call('ZREM', finishedKey, id)
end
return #ids
`;
