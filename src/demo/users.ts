/**
 * The demo's fake users. Each lives in a zone of its own, so the meetings page has something to
 * convert, and each has a private topic (`users/{id}`) that only its own token may read.
 */
export interface DemoUser {
  id: string;
  name: string;
  /** IANA zone: where this user's wall clock is. */
  timeZone: string;
}

export const DEMO_USERS: readonly DemoUser[] = [
  { id: 'alice', name: 'Alice', timeZone: 'Europe/Oslo' },
  { id: 'bob', name: 'Bob', timeZone: 'America/New_York' },
  { id: 'carol', name: 'Carol', timeZone: 'Asia/Tokyo' },
  { id: 'dev', name: 'Dev', timeZone: 'Asia/Kathmandu' },
];

export function findDemoUser(id: string | null | undefined): DemoUser | undefined {
  return DEMO_USERS.find((user) => user.id === id);
}
