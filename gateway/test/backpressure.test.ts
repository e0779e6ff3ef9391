import { BufferedQueue, ConnectionBuffer } from '../src/backpressure';

describe('ConnectionBuffer and BufferedQueue: a slow consumer is cut off, never waited for', () => {
  test('events stay charged until the consumer comes back for the next one; overflow closes once', async () => {
    const reasons: string[] = [];
    const buffer = new ConnectionBuffer(3, (reason) => reasons.push(reason), 'ws');
    const a = new BufferedQueue<number>(buffer);
    const b = new BufferedQueue<number>(buffer);
    a.push(1);
    b.push(2);
    expect(buffer.size).toBe(2);
    expect((await a.next()).value).toBe(1);
    a.settle();
    expect(buffer.size).toBe(1);
    a.push(3);
    a.push(4);
    expect(reasons).toEqual([]);
    // A fourth pending event on the connection (b's 2, a's 3 and 4, and this one) is one too many.
    b.push(5);
    expect(reasons).toEqual(['slow consumer: more than 3 undelivered events']);
    b.push(6);
    expect(reasons).toHaveLength(1);
    expect(buffer.closed).toBe(true);
    expect((await a.next()).done).toBe(true);
  });

  test('a waiting consumer gets the next event at once; end() releases what was charged', async () => {
    const buffer = new ConnectionBuffer(10, () => undefined, 'ws');
    const queue = new BufferedQueue<string>(buffer);
    const next = queue.next();
    queue.push('x');
    expect(await next).toEqual({ value: 'x', done: false });
    queue.push('y');
    queue.push('z');
    expect(buffer.size).toBe(3);
    queue.end();
    expect(buffer.size).toBe(0);
    expect((await queue.next()).done).toBe(true);
    queue.push('after end');
    expect(buffer.size).toBe(0);
  });
});
