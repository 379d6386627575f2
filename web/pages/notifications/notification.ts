import { parseJsonObject } from '../../shared/dom.js';

export const LEVELS = ['info', 'success', 'warning'] as const;
export type Level = (typeof LEVELS)[number];

/** What a `notification` event carries (JSON), public or private alike. */
export interface Notice {
  text: string;
  level: Level;
  /** The fake user who sent it. */
  from: string;
  fromName: string;
  /** `everyone`, or the id of the one user it is for (then it was published as a private update). */
  to: string;
  sentAtMs: number;
}

export const EVERYONE = 'everyone';
export const MAX_TEXT_LENGTH = 140;

/** The event's data as a `Notice`, or `undefined`: anyone with a demo token may publish anything. */
export function parseNotice(data: string): Notice | undefined {
  const value = parseJsonObject(data);
  if (value === undefined) return undefined;
  const { text, level, from, fromName, to, sentAtMs } = value;
  if (typeof text !== 'string' || text.trim() === '') return undefined;
  if (typeof from !== 'string' || typeof fromName !== 'string' || typeof to !== 'string') return undefined;
  if (typeof sentAtMs !== 'number' || !Number.isFinite(sentAtMs)) return undefined;
  return {
    text: text.slice(0, MAX_TEXT_LENGTH),
    level: LEVELS.includes(level as Level) ? (level as Level) : 'info',
    from: from.slice(0, 24),
    fromName: fromName.slice(0, 24),
    to: to.slice(0, 24),
    sentAtMs,
  };
}

export const LEVEL_ICONS: Record<Level, string> = { info: 'ℹ', success: '✓', warning: '!' };
