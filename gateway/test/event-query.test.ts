import { Kind, parse, type OperationDefinitionNode } from 'graphql';
import { answerFromEvent, eventQueryFor, subscriptionRootField } from '../src/event-query';

const operationOf = (doc: ReturnType<typeof parse>) =>
  doc.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;

describe('eventQueryFor: a subscription becomes a query the query planner can run per event', () => {
  test('the root field reads the status event, keeping the selection, fragments and used variables', () => {
    const doc = parse(`
      subscription Track($orderId: ID, $reviews: Int) {
        orderStatusChanged(orderId: $orderId) { id status ...Lines }
      }
      fragment Lines on Order { items { product { title reviews(first: $reviews) { totalCount } } } }
    `);
    const { query, alias, variable } = eventQueryFor(doc, operationOf(doc), { field: 'orderStatusEvent', argument: 'id' });
    expect(alias).toBe('orderStatusChanged');
    expect(variable).toBe('__event_orderStatusEvent_id');
    expect(query).toContain('query Track($reviews: Int, $__event_orderStatusEvent_id: ID!)');
    expect(query).toContain('orderStatusChanged: orderStatusEvent(id: $__event_orderStatusEvent_id)');
    expect(query).toContain('fragment Lines on Order');
    expect(query).not.toContain('$orderId');
  });

  test("the current state is read under the client's alias", () => {
    const doc = parse('subscription { tracked: orderStatusChanged(orderId: "o1") { status } }');
    const { query, alias } = eventQueryFor(doc, operationOf(doc), { field: 'order', argument: 'id' });
    expect(alias).toBe('tracked');
    expect(query).toContain('tracked: order(id: $__event_order_id)');
  });

  test('a product stock subscription is re-rooted on product(id)', () => {
    const doc = parse('subscription($p: ID!) { productStockChanged(productId: $p) { id stock averageRating } }');
    const { query } = eventQueryFor(doc, operationOf(doc), { field: 'product', argument: 'id' });
    expect(query).toContain('productStockChanged: product(id: $__event_product_id) {');
    expect(query).not.toContain('$p');
  });

  test('more than one root field is refused', () => {
    const doc = parse('subscription { orderStatusChanged { id } other: orderStatusChanged { id } }');
    expect(() => eventQueryFor(doc, operationOf(doc), { field: 'order', argument: 'id' })).toThrow(/exactly one field/);
  });
});

describe('answerFromEvent: a selection the event states by itself needs no query', () => {
  const known = { __typename: 'Order', id: 'o1', status: 'CONFIRMED' };
  const rootOf = (source: string) => {
    const doc = parse(source);
    return subscriptionRootField(operationOf(doc));
  };

  test('plain known fields, aliases kept', () => {
    expect(answerFromEvent(rootOf('subscription { orderStatusChanged { id state: status __typename } }'), known)).toEqual({
      id: 'o1',
      state: 'CONFIRMED',
      __typename: 'Order',
    });
  });

  test('anything else runs the event query: an unknown field, a sub-selection, a fragment, a directive, no known fields', () => {
    for (const source of [
      'subscription { orderStatusChanged { id status total { amount } } }',
      'subscription { orderStatusChanged { id failureReason } }',
      'subscription { orderStatusChanged { id ... on Order { status } } }',
      'subscription { orderStatusChanged { id status @include(if: true) } }',
      'subscription { orderStatusChanged @include(if: true) { id } }',
    ]) {
      expect(answerFromEvent(rootOf(source), known)).toBeNull();
    }
    expect(answerFromEvent(rootOf('subscription { orderStatusChanged { id } }'), undefined)).toBeNull();
  });
});
