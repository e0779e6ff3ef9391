/**
 * Rows of many orders grouped by `orderId`, in the order of `orderIds` (an order without rows gets
 * `[]`), each group in the rows' order: the answer a DataLoader batch of per-order lists wants.
 */
export async function byOrder<T extends { orderId: string }>(orderIds: readonly string[], rows: Promise<T[]>): Promise<T[][]> {
  const groups = new Map<string, T[]>(orderIds.map((id) => [id, []]));
  for (const row of await rows) groups.get(row.orderId)?.push(row);
  return orderIds.map((id) => groups.get(id) ?? []);
}
