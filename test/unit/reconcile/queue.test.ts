import { TerminalError, WorkQueue, runWorkers } from '../../../src/reconcile/queue.js';
import { ItemExponentialRateLimiter } from '../../../src/reconcile/rate-limiter.js';
import { FakeClock, settle } from './fake-clock.js';

function newQueue(clock = new FakeClock()): { queue: WorkQueue; clock: FakeClock } {
  return { queue: new WorkQueue({ clock, rateLimiter: new ItemExponentialRateLimiter(5, 1000) }), clock };
}

/** Takes every key that is ready now, without waiting. */
async function drainReady(queue: WorkQueue): Promise<string[]> {
  const keys: string[] = [];
  // The loop only awaits settled promises, which the test timeout cannot interrupt, so it
  // is bounded by a count instead.
  for (let taken = 0; taken < 1000 && queue.length > 0; taken++) {
    keys.push((await queue.get())!);
  }
  return keys;
}

describe('WorkQueue', () => {
  test('hands out keys in order', async () => {
    const { queue } = newQueue();
    queue.add('ns/a');
    queue.add('ns/b');

    expect(await drainReady(queue)).toEqual(['ns/a', 'ns/b']);
  });

  test('adding a queued key is a no-op', async () => {
    const { queue } = newQueue();
    queue.add('ns/a');
    queue.add('ns/b');
    queue.add('ns/a');

    expect(queue.length).toBe(2);
    expect(await drainReady(queue)).toEqual(['ns/a', 'ns/b']);
  });

  test('adding a key in process queues it after done', async () => {
    const { queue } = newQueue();
    queue.add('ns/a');
    const key = await queue.get();

    queue.add('ns/a');
    expect(queue.length).toBe(0);
    queue.done(key!);

    expect(queue.length).toBe(1);
    expect(await queue.get()).toBe('ns/a');
  });

  test('done without a new add does not requeue', async () => {
    const { queue } = newQueue();
    queue.add('ns/a');
    queue.done((await queue.get())!);

    expect(queue.length).toBe(0);
  });

  test('get waits for an add', async () => {
    const { queue } = newQueue();
    let received: string | undefined;
    const waiting = queue.get().then((key) => {
      received = key;
    });
    await settle();
    expect(received).toBeUndefined();

    queue.add('ns/a');
    await waiting;

    expect(received).toBe('ns/a');
  });

  test('a key is never handed to two waiting workers', async () => {
    const { queue } = newQueue();
    const first = queue.get();
    const second = queue.get();
    let secondKey: string | undefined = 'not yet';
    void second.then((key) => {
      secondKey = key;
    });

    queue.add('ns/a');
    queue.add('ns/a');
    await settle();

    expect(await first).toBe('ns/a');
    expect(secondKey).toBe('not yet');
  });

  test('addAfter adds once the delay has passed', async () => {
    const { queue, clock } = newQueue();
    queue.addAfter('ns/a', 1000);

    clock.advance(999);
    expect(queue.length).toBe(0);
    clock.advance(1);

    expect(await drainReady(queue)).toEqual(['ns/a']);
  });

  test('addAfter keeps the earlier of two delays', () => {
    const { queue, clock } = newQueue();
    queue.addAfter('ns/a', 1000);
    queue.addAfter('ns/a', 5000);
    queue.addAfter('ns/b', 5000);
    queue.addAfter('ns/b', 1000);

    clock.advance(1000);

    expect(queue.length).toBe(2);
    expect(clock.pendingTimers).toBe(0);
  });

  test('addAfter with no delay adds at once', () => {
    const { queue } = newQueue();
    queue.addAfter('ns/a', 0);

    expect(queue.length).toBe(1);
  });

  test('addRateLimited backs off exponentially per key', async () => {
    const { queue, clock } = newQueue();
    const readyAfter: number[] = [];
    for (let attempt = 0; attempt < 4; attempt++) {
      const start = clock.now();
      queue.addRateLimited('ns/a');
      // Bounded by steps, not by time: the longest expected delay is 40 ms.
      for (let step = 0; step < 1000 && queue.length === 0; step++) {
        clock.advance(1);
      }
      readyAfter.push(clock.now() - start);
      // done() must run before the next retry is due: a key added while it is being
      // processed is only marked dirty, so length would stay 0.
      queue.done((await queue.get())!);
    }

    expect(readyAfter).toEqual([5, 10, 20, 40]);
    expect(queue.retries('ns/a')).toBe(4);
  });

  test('delayed add of a key in process waits for done', async () => {
    const { queue, clock } = newQueue();
    queue.add('ns/a');
    const key = await queue.get();

    queue.addAfter('ns/a', 5);
    clock.advance(5);
    expect(queue.length).toBe(0);
    queue.done(key!);

    expect(queue.length).toBe(1);
  });

  test('forget resets the backoff', () => {
    const { queue } = newQueue();
    queue.addRateLimited('ns/a');
    queue.addRateLimited('ns/a');

    queue.forget('ns/a');

    expect(queue.retries('ns/a')).toBe(0);
  });

  test('shutDown wakes waiting workers with undefined', async () => {
    const { queue } = newQueue();
    const waiting = [queue.get(), queue.get()];

    queue.shutDown();

    expect(await Promise.all(waiting)).toEqual([undefined, undefined]);
  });

  test('shutDown hands out queued keys, then undefined', async () => {
    const { queue } = newQueue();
    queue.add('ns/a');
    queue.shutDown();
    queue.add('ns/b');

    expect(await queue.get()).toBe('ns/a');
    expect(await queue.get()).toBeUndefined();
  });

  test('shutDown drops pending delayed adds', () => {
    const { queue, clock } = newQueue();
    queue.addAfter('ns/a', 1000);

    queue.shutDown();
    clock.advance(1000);

    expect(queue.length).toBe(0);
    expect(clock.pendingTimers).toBe(0);
  });

  test('shutDownWithDrain waits for keys in process', async () => {
    const { queue } = newQueue();
    queue.add('ns/a');
    const key = await queue.get();
    let drained = false;

    const draining = queue.shutDownWithDrain().then(() => {
      drained = true;
    });
    await settle();
    expect(drained).toBe(false);
    queue.done(key!);
    await draining;

    expect(drained).toBe(true);
  });
});

describe('WorkQueue urgent keys', () => {
  const urgentQueue = () => new WorkQueue({ clock: new FakeClock(), isUrgent: (key) => key.startsWith('claimed/') });

  test('urgent keys are handed out first', async () => {
    const queue = urgentQueue();
    queue.add('ns/a');
    queue.add('claimed/x');
    queue.add('ns/b');
    queue.add('claimed/y');

    expect(await drainReady(queue)).toEqual(['claimed/x', 'claimed/y', 'ns/a', 'ns/b']);
  });

  test('an urgent key is queued once', async () => {
    const queue = urgentQueue();
    queue.add('claimed/x');
    queue.add('claimed/x');

    expect(queue.length).toBe(1);
  });

  test('an urgent key added while processing waits for done', async () => {
    const queue = urgentQueue();
    queue.add('claimed/x');
    const key = (await queue.get())!;
    queue.add('ns/a');
    queue.add('claimed/x');

    expect(queue.length).toBe(1);
    queue.done(key);
    expect(await drainReady(queue)).toEqual(['claimed/x', 'ns/a']);
  });
});

describe('runWorkers', () => {
  test('reconciles each added key', async () => {
    const { queue } = newQueue();
    const seen: string[] = [];
    const running = runWorkers(queue, 2, async (key) => {
      seen.push(key);
    });

    queue.add('ns/a');
    queue.add('ns/b');
    await settle();
    queue.shutDown();
    await running;

    expect(seen.sort()).toEqual(['ns/a', 'ns/b']);
  });

  test('never reconciles one key concurrently', async () => {
    const { queue } = newQueue();
    let active = 0;
    let maxActive = 0;
    let calls = 0;
    let release: () => void = () => {};
    const running = runWorkers(queue, 4, async () => {
      calls += 1;
      active += 1;
      maxActive = Math.max(maxActive, active);
      await new Promise<void>((resolve) => {
        release = resolve;
      });
      active -= 1;
    });

    queue.add('ns/a');
    await settle();
    queue.add('ns/a');
    queue.add('ns/a');
    await settle();
    release();
    await settle();
    release();
    await settle();
    queue.shutDown();
    await running;

    expect(maxActive).toBe(1);
    expect(calls).toBe(2);
  });

  test('requeueAfterMs reconciles again after the delay', async () => {
    const { queue, clock } = newQueue();
    let calls = 0;
    const running = runWorkers(queue, 1, async () => {
      calls += 1;
      return calls === 1 ? { requeueAfterMs: 30_000 } : {};
    });

    queue.add('ns/a');
    await settle();
    clock.advance(29_999);
    await settle();
    expect(calls).toBe(1);
    clock.advance(1);
    await settle();
    queue.shutDown();
    await running;

    expect(calls).toBe(2);
  });

  test('a thrown error retries with backoff', async () => {
    const { queue, clock } = newQueue();
    const errors: Array<[string, boolean]> = [];
    let calls = 0;
    const running = runWorkers(
      queue,
      1,
      async () => {
        calls += 1;
        if (calls < 3) {
          throw new Error('conflict');
        }
      },
      { onError: (key, _error, retrying) => errors.push([key, retrying]) },
    );

    queue.add('ns/a');
    await settle();
    clock.advance(5);
    await settle();
    clock.advance(10);
    await settle();
    queue.shutDown();
    await running;

    expect(calls).toBe(3);
    expect(errors).toEqual([
      ['ns/a', true],
      ['ns/a', true],
    ]);
    expect(queue.retries('ns/a')).toBe(0);
  });

  test('a TerminalError is not retried', async () => {
    const { queue, clock } = newQueue();
    const errors: Array<[string, boolean]> = [];
    let calls = 0;
    const running = runWorkers(
      queue,
      1,
      async () => {
        calls += 1;
        throw new TerminalError('invalid template');
      },
      { onError: (key, _error, retrying) => errors.push([key, retrying]) },
    );

    queue.add('ns/a');
    await settle();
    clock.advance(60_000);
    await settle();
    queue.shutDown();
    await running;

    expect(calls).toBe(1);
    expect(errors).toEqual([['ns/a', false]]);
    expect(clock.pendingTimers).toBe(0);
  });
});
