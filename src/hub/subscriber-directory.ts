import {
  DEFAULT_MAX_LISTED_SUBSCRIBERS,
  type DirectoryEntry,
  type DirectoryMember,
  type DirectoryStats,
  type SubscriberDirectory,
} from './ports.js';

/** The facts of a member's subscriptions, one per selector, read now. */
export function directoryEntryOf(member: DirectoryMember): DirectoryEntry {
  return {
    subscriberId: member.id,
    subscribedAtMs: member.subscribedAtMs,
    subscriptions: member.selectors.map((selector) => ({
      kind: selector.kind,
      raw: selector.raw,
      payload: member.payloadOf(selector),
    })),
  };
}

export interface LocalSubscriberDirectoryOptions {
  /** At most this many subscribers per `list()`. Default `DEFAULT_MAX_LISTED_SUBSCRIBERS`. */
  maxListed?: number | undefined;
}

/**
 * The subscribers of this process only: the hub's default directory, when no shared one is given.
 * It holds references to the members and describes them when read, so recording one costs a map
 * entry and nothing more. Listed in the order they subscribed.
 */
export class LocalSubscriberDirectory implements SubscriberDirectory {
  readonly #members = new Map<string, DirectoryMember>();
  readonly #maxListed: number;

  constructor(options: LocalSubscriberDirectoryOptions = {}) {
    this.#maxListed = options.maxListed ?? DEFAULT_MAX_LISTED_SUBSCRIBERS;
  }

  add(member: DirectoryMember): void {
    this.#members.set(member.id, member);
  }

  remove(member: DirectoryMember): void {
    if (this.#members.get(member.id) === member) this.#members.delete(member.id);
  }

  async list(): Promise<DirectoryEntry[]> {
    const entries: DirectoryEntry[] = [];
    for (const member of this.#members.values()) {
      if (entries.length >= this.#maxListed) break;
      entries.push(directoryEntryOf(member));
    }
    return entries;
  }

  async find(subscriberId: string): Promise<DirectoryEntry[]> {
    const member = this.#members.get(subscriberId);
    return member === undefined ? [] : [directoryEntryOf(member)];
  }

  async stats(): Promise<DirectoryStats> {
    return { nodes: 1, subscribers: this.#members.size };
  }

  async close(): Promise<void> {
    this.#members.clear();
  }
}
