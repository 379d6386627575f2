import { describe, expect, it } from 'vitest';
import { byteByByte, everySingleCut, parseChunks } from './collect.js';
import { type FormatCase, formatCases } from './format-cases.js';

// Content-Type checks belong to the client: the parser never sees headers, so the cases whose
// only point is a failed connection are the client tests' to replay.
const parserCases = formatCases.filter((formatCase) => formatCase.expectConnectionFailure !== true);

function expected(formatCase: FormatCase) {
  return {
    events: formatCase.events,
    retries: formatCase.retries,
    lastEventIdAtEnd: formatCase.lastEventIdAtEnd,
    ...(formatCase.comments === undefined ? {} : { comments: formatCase.comments }),
  };
}

function reported(chunks: Iterable<string | Uint8Array>, formatCase: FormatCase) {
  const { comments, ...rest } = parseChunks(chunks);
  return formatCase.comments === undefined ? rest : { ...rest, comments };
}

describe('web-platform-tests format cases', () => {
  it('leaves out only the MIME-type cases, which need a client', () => {
    expect(formatCases.length - parserCases.length).toBe(2);
  });

  describe.each(parserCases.map((formatCase) => [formatCase.name, formatCase] as const))(
    '%s',
    (_, formatCase) => {
      it('parses the input fed whole', () => {
        expect(reported([formatCase.input], formatCase)).toEqual(expected(formatCase));
      });

      it('parses the input fed one byte at a time', () => {
        expect(reported(byteByByte(formatCase.input), formatCase)).toEqual(expected(formatCase));
      });

      it('parses the input cut at every position', () => {
        for (const [head, tail] of everySingleCut(formatCase.input)) {
          expect(reported([head, tail], formatCase)).toEqual(expected(formatCase));
        }
      });
    },
  );
});
