import { ORDER_TRANSITIONS, canTransition, isTerminal, mayTransition, validateLifecycle } from '../src/services/order-lifecycle';

test('the lifecycle allows exactly the documented transitions', () => {
  const legal = Object.entries(ORDER_TRANSITIONS).flatMap(([from, targets]) => Object.keys(targets).map((to) => `${from}→${to}`));
  expect(legal.sort()).toEqual(['CONFIRMED→CANCELLED', 'CONFIRMED→SHIPPED', 'PENDING→CONFIRMED', 'PENDING→FAILED', 'SHIPPED→DELIVERED']);
  expect(canTransition('SHIPPED', 'CANCELLED')).toBe(false);
  expect(canTransition('DELIVERED', 'PENDING')).toBe(false);
  expect(['FAILED', 'CANCELLED', 'DELIVERED'].every((s) => isTerminal(s as 'FAILED'))).toBe(true);
});

test('guards: customers cancel their own orders, only admins ship and deliver, only the system settles checkout', () => {
  expect(mayTransition('CONFIRMED', 'CANCELLED', 'owner')).toBe(true);
  expect(mayTransition('CONFIRMED', 'CANCELLED', 'admin')).toBe(true);
  expect(mayTransition('CONFIRMED', 'SHIPPED', 'owner')).toBe(false);
  expect(mayTransition('CONFIRMED', 'SHIPPED', 'admin')).toBe(true);
  expect(mayTransition('SHIPPED', 'DELIVERED', 'owner')).toBe(false);
  expect(mayTransition('PENDING', 'CONFIRMED', 'admin')).toBe(false);
  expect(mayTransition('PENDING', 'FAILED', 'system')).toBe(true);
});

test('the boot check rejects unknown targets, cycles, unreachable statuses and rules nobody may use', () => {
  const base = ORDER_TRANSITIONS;
  const broken = (patch: Record<string, unknown>) => ({ ...base, ...patch }) as typeof base;
  expect(() => validateLifecycle(broken({ SHIPPED: { LOST: { by: ['admin'] } } }))).toThrow(/unknown status LOST/);
  expect(() => validateLifecycle(broken({ DELIVERED: { PENDING: { by: ['admin'] } } }))).toThrow(/cycle/);
  expect(() => validateLifecycle(broken({ SHIPPED: {} }))).toThrow(/unreachable from PENDING: DELIVERED/);
  expect(() => validateLifecycle(broken({ SHIPPED: { DELIVERED: { by: [] } } }))).toThrow(/nobody may move/);
  expect(() => validateLifecycle(base)).not.toThrow();
});
