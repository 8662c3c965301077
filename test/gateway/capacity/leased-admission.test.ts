import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { AdmissionQueue } from '../../../src/gateway/admission-queue.js';
import { GatewayError } from '../../../src/gateway/gateway-error.js';

const overloaded = (e: unknown) => e instanceof GatewayError && e.kind === 'overloaded';

describe('admission with leased slots', () => {
  it('others share only the unleased slots; leased work takes its own at once', async () => {
    const q = new AdmissionQueue(3, 1);
    q.reserve('L', 2);
    assert.equal(q.sharedSlots, 1);
    const shared = await q.acquire('interactive');
    const queued = q.acquire('interactive');
    await assert.rejects(q.acquire('interactive'), overloaded, 'the shared queue of 1 is full');
    const a = await q.acquire('interactive', undefined, undefined, 'L');
    const b = await q.acquire('interactive', undefined, undefined, 'L');
    assert.equal(q.activeCount, 3);
    assert.equal(q.reservedActive, 2);
    a.release();
    // The freed slot is the lease's: the shared waiter still waits.
    assert.equal(q.queuedCount(), 1);
    shared.release();
    (await queued).release();
    b.release();
    assert.equal(q.activeCount, 0);
  });

  it('a lease’s extra work waits only behind its own, and gets a freed slot before the shared queue', async () => {
    const q = new AdmissionQueue(2, 4);
    q.reserve('L', 1);
    const own = await q.acquire('interactive', undefined, undefined, 'L');
    const shared = await q.acquire('interactive');
    const sharedWaiting = q.acquire('interactive');
    const order: string[] = [];
    const leasedWaiting = q.acquire('interactive', undefined, undefined, 'L').then((l) => {
      order.push('leased');
      return l;
    });
    void sharedWaiting.then(() => order.push('shared'));
    assert.equal(q.reservedQueued, 1);
    own.release();
    (await leasedWaiting).release();
    shared.release();
    (await sharedWaiting).release();
    assert.deepEqual(order, ['leased', 'shared']);
  });

  it('a lease granted while others fill every slot waits for running work, not for the queue', async () => {
    const q = new AdmissionQueue(1, 4);
    const running = await q.acquire('interactive');
    const sharedWaiting = q.acquire('interactive');
    q.reserve('L', 1);
    const leased = q.acquire('interactive', undefined, undefined, 'L');
    running.release();
    const l = await leased;
    assert.equal(q.queuedCount(), 1, 'the shared waiter is still waiting');
    l.release();
    q.unreserve('L');
    (await sharedWaiting).release();
    assert.equal(q.activeCount, 0);
  });

  it('an ended lease: running work finishes as shared, waiters move to the front, the id is refused', async () => {
    const q = new AdmissionQueue(2, 4);
    q.reserve('L', 1);
    const own = await q.acquire('interactive', undefined, undefined, 'L');
    const waiting = q.acquire('interactive', undefined, undefined, 'L');
    q.unreserve('L');
    assert.equal(q.sharedSlots, 2);
    const w = await waiting;
    assert.equal(q.activeCount, 2);
    await assert.rejects(
      q.acquire('interactive', undefined, undefined, 'L'),
      (e: unknown) =>
        e instanceof GatewayError && e.kind === 'not_found' && /unknown here or has ended/.test(e.message),
    );
    own.release();
    w.release();
    assert.equal(q.activeCount, 0);
    assert.equal((await q.acquire('interactive')).waitedMs, 0);
  });

  it('an aborted leased waiter leaves its lease’s queue', async () => {
    const q = new AdmissionQueue(1, 4);
    q.reserve('L', 1);
    const own = await q.acquire('interactive', undefined, undefined, 'L');
    const ac = new AbortController();
    const waiting = q.acquire('interactive', ac.signal, undefined, 'L');
    ac.abort(new Error('gone'));
    await assert.rejects(waiting, /gone/);
    assert.equal(q.reservedQueued, 0);
    own.release();
  });
});
