import DataLoader from 'dataloader';
import type { OrderDb } from './db';
import type { OrderLoaders } from './context';
import { timelinesOf } from './services/order-history';
import type { ReturnsService } from './services/returns/returns.service';

/** A request's DataLoaders: each batched field of a page of orders costs one statement, not one per order. */
export const orderLoaders = (db: OrderDb, returns: ReturnsService): OrderLoaders => ({
  timeline: new DataLoader((ids) => timelinesOf(db, ids)),
  returns: new DataLoader((ids) => returns.returnsOf(ids)),
  refunds: new DataLoader((ids) => returns.refundsOf(ids)),
});
