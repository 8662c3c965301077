import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { LeaseBook } from '../../../src/gateway/capacity/lease-book.js';

const ids = () => {
  let n = 0;
  return () => `lease_${++n}`;
};

describe('lease book', () => {
  const cases: {
    name: string;
    held: { slots: number; ttlS: number }[];
    ask: { slots: number; ttlS: number; totalSlots: number };
    expect: { granted: true } | { granted: false; status: 409 | 429; retryAfterS?: number; match: RegExp };
  }[] = [
    {
      name: 'free slots: granted',
      held: [],
      ask: { slots: 2, ttlS: 60, totalSlots: 4 },
      expect: { granted: true },
    },
    {
      name: 'every slot may be leased',
      held: [{ slots: 1, ttlS: 60 }],
      ask: { slots: 3, ttlS: 60, totalSlots: 4 },
      expect: { granted: true },
    },
    {
      name: 'more than the model has: 409, never grantable',
      held: [],
      ask: { slots: 5, ttlS: 60, totalSlots: 4 },
      expect: { granted: false, status: 409, match: /has 4 slots; a lease of 5 can never be granted/ },
    },
    {
      name: 'longer than the longest lease: 409',
      held: [],
      ask: { slots: 1, ttlS: 3601, totalSlots: 4 },
      expect: { granted: false, status: 409, match: /longer than the longest lease \(3600 s\)/ },
    },
    {
      name: 'held by others: 429, retry when the first lease that frees enough ends',
      held: [
        { slots: 2, ttlS: 30 },
        { slots: 1, ttlS: 10 },
      ],
      ask: { slots: 2, ttlS: 60, totalSlots: 4 },
      expect: {
        granted: false,
        status: 429,
        retryAfterS: 10,
        match: /3 of coder's 4 slots are leased; 1 free, 2 asked/,
      },
    },
    {
      name: 'needs two leases to end: retry after the later one',
      held: [
        { slots: 2, ttlS: 30 },
        { slots: 2, ttlS: 10 },
      ],
      ask: { slots: 4, ttlS: 60, totalSlots: 4 },
      expect: { granted: false, status: 429, retryAfterS: 30, match: /4 of coder's 4 slots are leased/ },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const book = new LeaseBook(undefined, ids());
      for (const h of c.held)
        assert.equal(book.grant({ upstream: 'coder', totalSlots: 4, ...h }, 0).granted, true);
      const result = book.grant({ upstream: 'coder', ...c.ask }, 0);
      assert.equal(result.granted, c.expect.granted);
      if (!result.granted && !c.expect.granted) {
        assert.equal(result.status, c.expect.status);
        assert.match(result.message, c.expect.match);
        assert.equal(result.retryAfterS, c.expect.retryAfterS);
      }
    });
  }

  it('leases of one model do not take another model’s slots', () => {
    const book = new LeaseBook(undefined, ids());
    assert.equal(book.grant({ upstream: 'a', slots: 2, ttlS: 60, totalSlots: 2 }, 0).granted, true);
    assert.equal(book.grant({ upstream: 'b', slots: 2, ttlS: 60, totalSlots: 2 }, 0).granted, true);
  });

  it('a lease ends at its expiry or on release, and its slots can be leased again', () => {
    const book = new LeaseBook(undefined, ids());
    const first = book.grant({ upstream: 'coder', slots: 2, ttlS: 10, totalSlots: 2 }, 1000);
    assert.ok(first.granted);
    assert.equal(book.get(first.lease.id, 10_999)?.id, first.lease.id);
    assert.equal(book.grant({ upstream: 'coder', slots: 1, ttlS: 10, totalSlots: 2 }, 5000).granted, false);
    assert.deepEqual(book.expire(10_999), []);
    assert.deepEqual(
      book.expire(11_000).map((l) => l.id),
      [first.lease.id],
    );
    assert.equal(book.get(first.lease.id, 11_000), undefined);
    const second = book.grant({ upstream: 'coder', slots: 2, ttlS: 10, totalSlots: 2 }, 11_000);
    assert.ok(second.granted);
    assert.equal(book.nextExpiryMs(), 21_000);
    assert.equal(book.release(second.lease.id, 12_000)?.id, second.lease.id);
    assert.equal(book.release(second.lease.id, 12_000), undefined, 'released once');
    assert.deepEqual(book.active(12_000), []);
  });

  it('property: whatever is granted, leased slots never exceed a model’s slots', () => {
    const book = new LeaseBook(undefined, ids());
    let seed = 7;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let t = 0; t < 2000; t += 1 + rand(5)) {
      book.expire(t * 1000);
      if (rand(4) === 0 && book.active(t * 1000).length > 0)
        book.release(book.active(t * 1000)[0]!.id, t * 1000);
      book.grant({ upstream: 'coder', slots: 1 + rand(4), ttlS: 1 + rand(30), totalSlots: 4 }, t * 1000);
      const leased = book.active(t * 1000).reduce((n, l) => n + l.slots, 0);
      assert.ok(leased <= 4, `at ${t}s ${leased} slots leased`);
    }
  });
});
