import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultPublishLimits, PublishError, toNewEvent } from '../../src/hub/index.js';
import { encodeEvent } from '../../src/sse/index.js';

const lineBreak = fc.constantFrom('\r', '\n', '\r\n');
const text = fc
  .array(fc.oneof(fc.string({ unit: 'grapheme' }), lineBreak), { maxLength: 40 })
  .map((parts) => parts.join(''));

describe('the event size limit (maxEventBytes)', () => {
  it('refuses exactly the events whose SSE encoding is larger than the limit, naming data', () => {
    fc.assert(
      fc.property(
        text,
        fc.option(fc.stringMatching(/^[a-z]{1,12}$/), { nil: undefined }),
        fc.option(fc.stringMatching(/^[a-z0-9]{1,20}$/), { nil: undefined }),
        fc.integer({ min: 40, max: 400 }),
        (data, type, id, maxEventBytes) => {
          const limits = { ...defaultPublishLimits, maxEventBytes };
          const input = {
            topics: ['t'],
            data,
            type,
            id: id ?? 'urn:uuid:01938f6e-0000-7000-8000-000000000000',
          };
          const bytes = encodeEvent({ data, event: type, id: input.id }).byteLength;
          let refused: unknown;
          try {
            toNewEvent(input, limits, () => 'unused');
          } catch (error) {
            refused = error;
          }
          if (bytes > maxEventBytes) {
            expect(refused).toBeInstanceOf(PublishError);
            expect((refused as PublishError).field).toBe('data');
            expect((refused as PublishError).code).toBe('FIELD_TOO_LARGE');
          } else {
            expect(refused).toBeUndefined();
          }
        },
      ),
      { numRuns: 400 },
    );
  });
});
