import {
  QueueName,
  createLogger,
  openQueue,
  createRedis,
  productStockChannel,
  type ProductRatingJob,
  type ProductStockEvent,
  type Redis,
} from '@commerce/common';
import { loadCatalog, reviewsToImport, type Catalog, type DummyProduct } from '@commerce/seed-data';
import * as product from '@commerce/product';
import * as review from '@commerce/review';
import { startStack, type Stack } from '../support/stack';
import { eventually } from '../support/eventually';

// Reviews through the gateway: one per user, verified purchases learned from confirmed orders
// (purchase queue), helpful votes, moderation and the aggregates it changes, and the rating
// snapshots that keep the product subgraph's rating filter in step.

const CREATE = /* GraphQL */ `
  mutation Create($productId: ID!, $rating: Int!, $body: String!) {
    createReview(productId: $productId, rating: $rating, body: $body) {
      id
      rating
      body
      verifiedPurchase
      helpfulCount
      hidden
      author {
        id
      }
      product {
        id
      }
    }
  }
`;
const PRODUCT = /* GraphQL */ `
  query Product($id: ID!) {
    product(id: $id) {
      averageRating
      reviewCount
      ratingDistribution {
        stars
        count
      }
      reviews(first: 100) {
        totalCount
        edges {
          node {
            id
            rating
            verifiedPurchase
          }
        }
      }
    }
  }
`;
interface ProductData {
  averageRating: number | null;
  reviewCount: number;
  ratingDistribution: { stars: number; count: number }[];
  reviews: { totalCount: number; edges: { node: { id: string; rating: number; verifiedPurchase: boolean } }[] };
}
interface ReviewData {
  id: string;
  rating: number;
  body: string;
  verifiedPurchase: boolean;
  helpfulCount: number;
  hidden: boolean;
  author: { id: string };
  product: { id: string };
}

let stack: Stack;
let catalog: Catalog;
let subscriber: Redis;
const stockEvents: ProductStockEvent[] = [];

beforeAll(async () => {
  [stack, catalog] = await Promise.all([startStack(), loadCatalog()]);
  subscriber = createRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  subscriber.on('message', (_channel: string, message: string) => stockEvents.push(JSON.parse(message) as ProductStockEvent));
  await subscriber.subscribe(productStockChannel(stack.redisPrefix));
  await stack.startWorkers();
});
afterAll(async () => {
  await subscriber?.quit();
  await stack?.close();
});

const customers = () => catalog.users.filter((u) => u.role === 'user');
const loginAs = (u: { username: string; password: string }) => stack.login(u.username, u.password);
const codeOf = (res: { errors?: { extensions?: { code?: string } }[] }) => res.errors?.[0]?.extensions?.code;

/** A product in stock that `userId` has not reviewed in the source data. */
function unreviewedBy(userId: number, skip: number[] = []): DummyProduct {
  const email = catalog.users.find((u) => u.id === userId)!.email.toLowerCase();
  return catalog.products.find(
    (p) => p.stock > 5 && !skip.includes(p.id) && !p.reviews.some((r) => r.reviewerEmail.toLowerCase() === email),
  )!;
}

async function productData(id: number | string, token?: string): Promise<ProductData> {
  const res = await stack.gql<{ product: ProductData }>(PRODUCT, { id: String(id) }, token);
  expect(res.errors).toBeUndefined();
  return res.data!.product;
}

/** The distribution a list of ratings should show. */
const distribution = (ratings: number[]) => [1, 2, 3, 4, 5].map((stars) => ({ stars, count: ratings.filter((r) => r === stars).length }));
const sourceRatings = (p: DummyProduct) => reviewsToImport(p).map((r) => r.review.rating);

/** The product subgraph's denormalized rating, once the rating-sync worker has caught up with `expected`. */
const syncedRating = (productId: number, expected: { averageRating: number | null; reviewCount: number }) =>
  eventually(async () => {
    const row = await stack.db.product.product.findUniqueOrThrow({ where: { id: productId } });
    return row.reviewCount === expected.reviewCount && row.averageRating === expected.averageRating ? row : undefined;
  }, `product ${productId}'s rating to sync`);

test('createReview needs a signed-in user, a rating of 1..5, a body and a live product', async () => {
  const token = await loginAs(customers()[0]!);
  const p = unreviewedBy(customers()[0]!.id);
  expect(codeOf(await stack.gql(CREATE, { productId: String(p.id), rating: 5, body: 'Great' }))).toBe('UNAUTHENTICATED');
  expect(codeOf(await stack.gql(CREATE, { productId: String(p.id), rating: 6, body: 'Great' }, token))).toBe('BAD_USER_INPUT');
  expect(codeOf(await stack.gql(CREATE, { productId: String(p.id), rating: 0, body: 'Great' }, token))).toBe('BAD_USER_INPUT');
  expect(codeOf(await stack.gql(CREATE, { productId: String(p.id), rating: 4, body: '   ' }, token))).toBe('BAD_USER_INPUT');
  expect(codeOf(await stack.gql(CREATE, { productId: String(p.id), rating: 4, body: 'x'.repeat(5001) }, token))).toBe('BAD_USER_INPUT');
  expect(codeOf(await stack.gql(CREATE, { productId: '999999', rating: 4, body: 'Great' }, token))).toBe('NOT_FOUND');
  expect(await stack.db.review.review.count({ where: { productId: p.id, authorId: customers()[0]!.id } })).toBe(0);
});

test('one review per user and product: a second createReview updates the first, and the aggregates follow incrementally', async () => {
  const user = customers()[1]!;
  const token = await loginAs(user);
  const p = unreviewedBy(user.id);
  const before = sourceRatings(p);

  const first = await stack.gql<{ createReview: ReviewData }>(
    CREATE,
    { productId: String(p.id), rating: 1, body: 'Broke in a week' },
    token,
  );
  expect(first.errors).toBeUndefined();
  expect(first.data!.createReview).toMatchObject({
    rating: 1,
    verifiedPurchase: false,
    helpfulCount: 0,
    hidden: false,
    author: { id: String(user.id) },
    product: { id: String(p.id) },
  });
  let data = await productData(p.id);
  expect(data.reviewCount).toBe(before.length + 1);
  expect(data.ratingDistribution).toEqual(distribution([...before, 1]));
  expect(data.averageRating).toBeCloseTo([...before, 1].reduce((s, r) => s + r, 0) / (before.length + 1), 10);

  const second = await stack.gql<{ createReview: ReviewData }>(
    CREATE,
    { productId: String(p.id), rating: 5, body: 'Support replaced it' },
    token,
  );
  expect(second.data!.createReview).toMatchObject({ id: first.data!.createReview.id, rating: 5, body: 'Support replaced it' });
  data = await productData(p.id);
  expect(data.reviewCount).toBe(before.length + 1);
  expect(data.reviews.totalCount).toBe(before.length + 1);
  expect(data.ratingDistribution).toEqual(distribution([...before, 5]));
  const average = [...before, 5].reduce((s, r) => s + r, 0) / (before.length + 1);
  expect(data.averageRating).toBeCloseTo(average, 10);
  expect(await stack.db.review.review.count({ where: { productId: p.id, authorId: user.id } })).toBe(1);

  // The product subgraph's copy catches up through the rating-sync queue, and the rating filter uses it.
  await syncedRating(p.id, { averageRating: data.averageRating, reviewCount: data.reviewCount });
  const filtered = await stack.gql<{ products: { edges: { node: { id: string } }[] } }>(
    'query($min: Float) { products(first: 100, filter: { minRating: $min }) { edges { node { id } } } }',
    { min: average },
  );
  expect(filtered.data!.products.edges.map((e) => e.node.id)).toContain(String(p.id));
});

test('verifiedPurchase turns true only after a confirmed order with the product, for reviews before and after it', async () => {
  const user = customers()[2]!;
  const token = await loginAs(user);
  const [bought, reviewedLater] = [unreviewedBy(user.id), unreviewedBy(user.id, [unreviewedBy(user.id).id])];
  const notBought = unreviewedBy(user.id, [bought.id, reviewedLater.id]);

  const early = await stack.gql<{ createReview: ReviewData }>(
    CREATE,
    { productId: String(bought.id), rating: 4, body: 'Before buying' },
    token,
  );
  expect(early.data!.createReview.verifiedPurchase).toBe(false);
  const other = await stack.gql<{ createReview: ReviewData }>(
    CREATE,
    { productId: String(notBought.id), rating: 3, body: 'Never bought it' },
    token,
  );

  const stockBefore = (await stack.db.product.product.findUniqueOrThrow({ where: { id: bought.id } })).stock;
  for (const p of [bought, reviewedLater]) {
    const add = await stack.gql(`mutation { addToCart(productId: "${p.id}", quantity: 1) { totalQuantity } }`, {}, token);
    expect(add.errors).toBeUndefined();
  }
  const placed = await stack.gql<{ checkout: { order: { id: string } } }>(
    'mutation { checkout(input: { idempotencyKey: "verified-1" }) { order { id } } }',
    {},
    token,
  );
  const orderId = placed.data!.checkout.order.id;
  const status = await eventually(async () => {
    const res = await stack.gql<{ order: { status: string } }>(`{ order(id: "${orderId}") { status } }`, {}, token);
    return res.data?.order.status === 'PENDING' ? undefined : res.data?.order.status;
  }, 'the order to settle');
  expect(status).toBe('CONFIRMED');

  // The reservation published the new stock level.
  await eventually(
    async () => (stockEvents.some((e) => e.productId === String(bought.id) && e.stock === stockBefore - 1) ? true : undefined),
    'a stock event for the reservation',
  );

  const review = (id: string) =>
    stack.gql<{ review: { verifiedPurchase: boolean } }>(`{ review(id: "${id}") { verifiedPurchase } }`).then((r) => r.data!.review);
  await eventually(
    async () => ((await review(early.data!.createReview.id)).verifiedPurchase ? true : undefined),
    'the review to be verified',
  );
  expect((await review(other.data!.createReview.id)).verifiedPurchase).toBe(false);
  // A review written after the purchase is verified at once.
  const late = await stack.gql<{ createReview: ReviewData }>(
    CREATE,
    { productId: String(reviewedLater.id), rating: 5, body: 'After buying' },
    token,
  );
  expect(late.data!.createReview.verifiedPurchase).toBe(true);
});

test('purchase jobs are idempotent, and a cancellation wins even when it overtakes the confirmation', async () => {
  const purchases = new review.PurchaseService(stack.db.review);
  const user = customers()[4]!;
  const p = unreviewedBy(user.id);
  const token = await loginAs(user);
  const created = await stack.gql<{ createReview: ReviewData }>(CREATE, { productId: String(p.id), rating: 4, body: 'Nice' }, token);
  const id = created.data!.createReview.id;
  const verified = async () => (await stack.db.review.review.findUniqueOrThrow({ where: { id } })).verifiedPurchase;
  const job = { orderId: 'order-a', userId: user.id, productIds: [p.id], status: 'CONFIRMED' as const };

  await purchases.record(job);
  await purchases.record(job);
  expect(await verified()).toBe(true);
  expect(await stack.db.review.purchase.count({ where: { orderId: 'order-a' } })).toBe(1);
  // Two orders with the product: cancelling one keeps the review verified.
  await purchases.record({ ...job, orderId: 'order-b' });
  await purchases.record({ ...job, orderId: 'order-a', status: 'CANCELLED' });
  expect(await verified()).toBe(true);
  await purchases.record({ ...job, orderId: 'order-b', status: 'CANCELLED' });
  await purchases.record({ ...job, orderId: 'order-b', status: 'CANCELLED' });
  expect(await verified()).toBe(false);
  // CANCELLED first, CONFIRMED late: stays unverified.
  await purchases.record({ ...job, orderId: 'order-c', status: 'CANCELLED' });
  await purchases.record({ ...job, orderId: 'order-c' });
  expect(await verified()).toBe(false);
});

test('a review written while its purchase is being recorded still ends up verified', async () => {
  const user = customers()[9]!;
  const token = await loginAs(user);
  const p = unreviewedBy(user.id);
  let pending: Promise<{ data?: { createReview: ReviewData }; errors?: unknown[] }> | undefined;
  // A purchase job in flight: holds the user's purchase lock and has written, not committed, its row.
  await stack.db.review.$transaction(
    async (tx) => {
      await review.lockUserPurchases(tx, user.id);
      await tx.purchase.create({ data: { orderId: 'held-order', productId: p.id, userId: user.id } });
      pending = stack.gql<{ createReview: ReviewData }>(CREATE, { productId: String(p.id), rating: 4, body: 'Raced' }, token);
      // Give the review every chance to overtake the job; the lock makes it wait for the commit instead.
      await new Promise((r) => setTimeout(r, 500));
    },
    { timeout: 20_000 },
  );
  const created = await pending!;
  expect(created.errors).toBeUndefined();
  expect(created.data!.createReview.verifiedPurchase).toBe(true);
});

test('rating snapshots apply only when newer: repeated or late jobs change nothing', async () => {
  const ratings = new product.RatingSyncService(stack.db.product);
  const p = catalog.products[10]!;
  const current = await stack.db.product.product.findUniqueOrThrow({ where: { id: p.id } });
  const next = current.ratingVersion + 100;
  expect(await ratings.apply({ productId: p.id, reviewCount: 2, averageRating: 4.5, version: next })).toBe(true);
  expect(await ratings.apply({ productId: p.id, reviewCount: 2, averageRating: 4.5, version: next })).toBe(false);
  expect(await ratings.apply({ productId: p.id, reviewCount: 9, averageRating: 1, version: next - 1 })).toBe(false);
  expect(await stack.db.product.product.findUniqueOrThrow({ where: { id: p.id } })).toMatchObject({
    reviewCount: 2,
    averageRating: 4.5,
    ratingVersion: next,
  });
});

test('resending every rating snapshot heals a copy whose snapshot was lost, and changes nothing else', async () => {
  const user = customers()[10]!;
  const p = unreviewedBy(user.id);
  await stack.gql(CREATE, { productId: String(p.id), rating: 2, body: 'Meh' }, await loginAs(user));
  const data = await productData(p.id);
  const synced = await syncedRating(p.id, { averageRating: data.averageRating, reviewCount: data.reviewCount });
  // As if the last snapshot had never been enqueued: the copy is one version behind.
  await stack.db.product.product.update({
    where: { id: p.id },
    data: { ratingVersion: synced.ratingVersion - 1, averageRating: null, reviewCount: 0 },
  });
  const other = catalog.products.find((x) => x.id !== p.id && reviewsToImport(x).length > 0)!;
  const untouched = await stack.db.product.product.findUniqueOrThrow({ where: { id: other.id } });

  const connection = createRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  const queue = openQueue<ProductRatingJob>(QueueName.productRatings, connection, stack.redisPrefix);
  try {
    const sent = await new review.RatingPublisher(queue, createLogger('test', 'silent')).resendAll(stack.db.review);
    expect(sent).toBe(await stack.db.review.productRating.count());
  } finally {
    await queue.close();
    await connection.quit();
  }
  await syncedRating(p.id, { averageRating: data.averageRating, reviewCount: data.reviewCount });
  expect(await stack.db.product.product.findUniqueOrThrow({ where: { id: other.id } })).toMatchObject({
    averageRating: untouched.averageRating,
    reviewCount: untouched.reviewCount,
    ratingVersion: untouched.ratingVersion,
  });
});

test('helpful votes: one per user, can be taken back, never on one own review', async () => {
  const [author, voter] = [customers()[5]!, customers()[6]!];
  const [authorToken, voterToken] = [await loginAs(author), await loginAs(voter)];
  const p = unreviewedBy(author.id);
  const { id } = (
    await stack.gql<{ createReview: ReviewData }>(CREATE, { productId: String(p.id), rating: 5, body: 'Helpful?' }, authorToken)
  ).data!.createReview;
  const vote = (token: string, helpful: boolean) =>
    stack.gql<{ voteReviewHelpful: { helpfulCount: number } }>(
      `mutation { voteReviewHelpful(reviewId: "${id}", helpful: ${helpful}) { helpfulCount } }`,
      {},
      token,
    );
  expect((await vote(voterToken, true)).data!.voteReviewHelpful.helpfulCount).toBe(1);
  expect((await vote(voterToken, true)).data!.voteReviewHelpful.helpfulCount).toBe(1);
  expect(codeOf(await vote(authorToken, true))).toBe('FORBIDDEN');
  expect(codeOf(await stack.gql(`mutation { voteReviewHelpful(reviewId: "${id}") { helpfulCount } }`))).toBe('UNAUTHENTICATED');
  expect((await vote(voterToken, false)).data!.voteReviewHelpful.helpfulCount).toBe(0);
  expect((await vote(voterToken, false)).data!.voteReviewHelpful.helpfulCount).toBe(0);
});

test('moderation: only moderators and admins hide and restore; hidden reviews leave listings and aggregates', async () => {
  // The seed has no MODERATOR: promote a customer (the user subgraph owns roles).
  const moderator = customers()[7]!;
  await stack.db.user.user.update({ where: { id: moderator.id }, data: { role: 'MODERATOR' } });
  const modToken = await loginAs(moderator);
  const customerToken = await loginAs(customers()[8]!);
  // A product no other test here reviews (they pick from the front of the catalog).
  const p = [...catalog.products].reverse().find((x) => reviewsToImport(x).length >= 3)!;
  const ratings = sourceRatings(p);
  const target = reviewsToImport(p)[0]!;
  expect(await productData(p.id)).toMatchObject({ reviewCount: ratings.length, ratingDistribution: distribution(ratings) });
  const id = `dummyjson-${p.id}-${target.index}`;
  const hide = (token: string, reason = 'Spam link in the review') =>
    stack.gql<{ hideReview: { hidden: boolean; moderationReason: string | null } }>(
      `mutation($id: ID!, $reason: String!) { hideReview(id: $id, reason: $reason) { hidden moderationReason } }`,
      { id, reason },
      token,
    );

  expect(codeOf(await hide(customerToken))).toBe('FORBIDDEN');
  expect(codeOf(await hide(modToken, 'no'))).toBe('BAD_USER_INPUT');
  const hidden = await hide(modToken);
  expect(hidden.data!.hideReview).toEqual({ hidden: true, moderationReason: 'Spam link in the review' });
  // Hiding again changes nothing (no second log entry, no second aggregate change).
  await hide(modToken);
  expect(await stack.db.review.reviewModeration.count({ where: { reviewId: id } })).toBe(1);

  const rest = ratings.filter((_, i) => i !== 0);
  let data = await productData(p.id);
  expect(data.reviews.edges.map((e) => e.node.id)).not.toContain(id);
  expect(data.reviewCount).toBe(rest.length);
  expect(data.reviews.totalCount).toBe(rest.length);
  expect(data.ratingDistribution).toEqual(distribution(rest));
  expect(data.averageRating).toBeCloseTo(rest.reduce((s, r) => s + r, 0) / rest.length, 10);
  await syncedRating(p.id, { averageRating: data.averageRating, reviewCount: data.reviewCount });

  // The reason is for moderators; a customer sees neither it nor the hidden review.
  const asCustomer = await stack.gql<{ review: unknown }>(`{ review(id: "${id}") { id moderationReason } }`, {}, customerToken);
  expect(asCustomer.data!.review).toBeNull();
  const asModerator = await stack.gql<{ review: { moderationReason: string } }>(
    `{ review(id: "${id}") { moderationReason } }`,
    {},
    modToken,
  );
  expect(asModerator.data!.review.moderationReason).toBe('Spam link in the review');

  const restored = await stack.gql<{ restoreReview: { hidden: boolean } }>(
    `mutation { restoreReview(id: "${id}", reason: "Link was legitimate") { hidden } }`,
    {},
    modToken,
  );
  expect(restored.data!.restoreReview.hidden).toBe(false);
  data = await productData(p.id);
  expect(data.reviewCount).toBe(ratings.length);
  expect(data.ratingDistribution).toEqual(distribution(ratings));
  expect(data.reviews.edges.map((e) => e.node.id)).toContain(id);
  await syncedRating(p.id, { averageRating: data.averageRating, reviewCount: data.reviewCount });
  expect(
    await stack.db.review.reviewModeration.findMany({
      where: { reviewId: id },
      orderBy: { id: 'asc' },
      select: { action: true, moderatorId: true },
    }),
  ).toEqual([
    { action: 'HIDE', moderatorId: moderator.id },
    { action: 'RESTORE', moderatorId: moderator.id },
  ]);
});
