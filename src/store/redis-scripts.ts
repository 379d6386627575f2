/**
 * The Lua scripts of the Redis store. Each runs atomically on the server, which is what makes the
 * Store's guarantees hold across every hub process sharing the keys: one cursor sequence, one
 * repeat check, one exclusive id.
 *
 * Keys (under the store's prefix P):
 * - `P:cursor`: the last cursor handed out. Its absence means the data is gone (a fresh database, a
 *   FLUSHALL, a restart without persistence): the next append SEEDS it, see below.
 * - `P:events`: the stream, one entry per kept event at the stream id `0-<cursor>`, with the fields
 *   `id` (public id), `c` (the content, JSON: topics, data, type, retryMs, isPrivate), `t`
 *   (publishedAtMs) and `x` (`1` for an exclusive id).
 * - `P:published`: sorted set of kept cursors scored by publishedAtMs (retention by age).
 * - `P:exclusive`: hash, id -> the cursor of the kept exclusive event with that id (at most one).
 * - `P:id:<id>`: list of the kept cursors with that id, ascending: RPUSH on append, LPOP on prune
 *   (retention drops the oldest first, so a dropped cursor is always at the head of its list).
 *
 * Cursors are formatted with `%.0f`: Lua numbers are doubles, exact for safe integers, but
 * `tostring` would print 1.8e+15.
 */

/**
 * Seeding the cursor after a loss (and on a fresh database, which looks the same): cursors must
 * never be reused, yet nothing in Redis remembers what was handed out. Two floors, the higher wins:
 * - the Redis server's clock in MICROSECONDS since the Unix epoch. Every cursor handed out before
 *   is below it as long as the store never averaged a million appends a second since its previous
 *   seed (a Redis stream does a small fraction of that), and the clock did not step back. Cursors
 *   stay safe integers until the year 2255.
 * - ARGV[5], the highest cursor the appending handle has seen: it covers a clock that stepped back
 *   and a database restored from an older snapshot, whose counter is behind the cursors handed out.
 * A consequence: a new store's first cursor is about 1.8e15, not 1. Cursors are positions, never
 * counts, so nothing depends on where they start.
 */
export const APPEND_SCRIPT = `
local cursorKey, streamKey, idKey, exclusiveKey, publishedKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local id, content, publishedAtMs, isExclusive, floor = ARGV[1], ARGV[2], ARGV[3], ARGV[4] == '1', tonumber(ARGV[5])

local function entryAt(cursor)
  return redis.call('XRANGE', streamKey, '0-' .. cursor, '0-' .. cursor)[1]
end

local newest = redis.call('LINDEX', idKey, -1)
if newest then
  local entry = entryAt(newest)
  if entry then
    local fields = entry[2]
    for i = 1, #fields, 2 do
      if fields[i] == 'c' and fields[i + 1] == content then return {'duplicate', entry} end
    end
  end
end
if isExclusive then
  local kept = redis.call('HGET', exclusiveKey, id)
  if kept then
    local entry = entryAt(kept)
    if entry then return {'duplicate', entry} end
  end
end

local last = redis.call('GET', cursorKey)
local start
if last then
  start = tonumber(last)
else
  local time = redis.call('TIME')
  start = tonumber(time[1]) * 1000000 + tonumber(time[2])
end
if floor > start then start = floor end
local cursor = string.format('%.0f', start + 1)
redis.call('SET', cursorKey, cursor)
redis.call('XADD', streamKey, '0-' .. cursor, 'id', id, 'c', content, 't', publishedAtMs, 'x', isExclusive and '1' or '0')
redis.call('RPUSH', idKey, cursor)
if isExclusive then redis.call('HSET', exclusiveKey, id, cursor) end
redis.call('ZADD', publishedKey, publishedAtMs, cursor)
return {'appended', cursor}
`;

/**
 * Drops at most ARGV[3] of the oldest events: those beyond the newest ARGV[1] (-1: no cap), and
 * every event up to the newest one published before ARGV[2] (empty: no age limit). Returns how many
 * it dropped; the caller repeats while a whole batch went, so no single call blocks Redis long.
 */
export const PRUNE_SCRIPT = `
local streamKey, publishedKey, exclusiveKey = KEYS[1], KEYS[2], KEYS[3]
local maxEvents, cutoffMs, batch, idPrefix = tonumber(ARGV[1]), ARGV[2], tonumber(ARGV[3]), ARGV[4]

local byCount = 0
if maxEvents >= 0 then
  local length = redis.call('XLEN', streamKey)
  if length > maxEvents then byCount = length - maxEvents end
end
local ageThrough = -1
if cutoffMs ~= '' then
  for _, member in ipairs(redis.call('ZRANGEBYSCORE', publishedKey, '-inf', '(' .. cutoffMs)) do
    local cursor = tonumber(member)
    if cursor > ageThrough then ageThrough = cursor end
  end
end
if byCount == 0 and ageThrough < 0 then return 0 end

local dropped, lastCursor = 0, nil
for index, entry in ipairs(redis.call('XRANGE', streamKey, '-', '+', 'COUNT', batch)) do
  local cursorText = string.sub(entry[1], 3)
  local cursor = tonumber(cursorText)
  if index > byCount and cursor > ageThrough then break end
  local fields, id, isExclusive = entry[2], nil, false
  for i = 1, #fields, 2 do
    if fields[i] == 'id' then id = fields[i + 1] end
    if fields[i] == 'x' then isExclusive = fields[i + 1] == '1' end
  end
  redis.call('LPOP', idPrefix .. id)
  if isExclusive and redis.call('HGET', exclusiveKey, id) == cursorText then
    redis.call('HDEL', exclusiveKey, id)
  end
  redis.call('ZREM', publishedKey, cursorText)
  dropped, lastCursor = dropped + 1, cursor
end
if lastCursor then
  redis.call('XTRIM', streamKey, 'MINID', string.format('0-%.0f', lastCursor + 1))
end
return dropped
`;

/** The newest kept cursor, 0 when nothing is kept; `P:cursor` is the last entry appended. */
export const HEAD_SCRIPT = `
if redis.call('XLEN', KEYS[2]) == 0 then return '0' end
return redis.call('GET', KEYS[1]) or '0'
`;
