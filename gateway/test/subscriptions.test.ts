import { parse } from 'graphql';
import { eventQueryFor } from '../src/subscriptions';

describe('eventQueryFor: a subscription becomes a query the query planner can run per event', () => {
  test('the root field reads the status event, keeping the selection, fragments and used variables', () => {
    const doc = parse(`
      subscription Track($orderId: ID, $reviews: Int) {
        orderStatusChanged(orderId: $orderId) { id status ...Lines }
      }
      fragment Lines on Order { items { product { title reviews(first: $reviews) { totalCount } } } }
    `);
    const { query, alias, variable } = eventQueryFor(doc, 'Track');
    expect(alias).toBe('orderStatusChanged');
    expect(variable).toBe('__orderStatusEventId');
    expect(query).toContain('query Track($reviews: Int, $__orderStatusEventId: ID!)');
    expect(query).toContain('orderStatusChanged: orderStatusEvent(id: $__orderStatusEventId)');
    expect(query).toContain('fragment Lines on Order');
    expect(query).not.toContain('$orderId');
  });

  test("'order' reads the current state, under the client's alias", () => {
    const { query, alias } = eventQueryFor(
      parse('subscription { tracked: orderStatusChanged(orderId: "o1") { status } }'),
      undefined,
      'order',
    );
    expect(alias).toBe('tracked');
    expect(query).toContain('tracked: order(id: $__orderStatusOrderId)');
  });

  test('anything but a single orderStatusChanged field is refused', () => {
    expect(() => eventQueryFor(parse('subscription { orderStatusChanged { id } other: orderStatusChanged { id } }'), undefined)).toThrow(
      /exactly one field/,
    );
    expect(() => eventQueryFor(parse('query { me { id } }'), undefined)).toThrow(/Not a subscription/);
  });
});
