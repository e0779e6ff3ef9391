import { z } from 'zod';
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  connectionPage,
  cursorCodec,
  cursorKeys,
  lineTotal,
  pageSize,
  hasRole,
  parseInput,
  requireAdmin,
  type Caller,
  type PageInfo,
  isUniqueViolation,
} from '@commerce/common';
import type { ProductDb, ProductRecord, StockMovementRecord } from '../db';
import { addSearchWords } from './search-vocabulary';
import type { StockEventPublisher } from './stock-events';

/** The signed-in admin's user id (who changes the catalog). @throws UnauthenticatedError, ForbiddenError */
const catalogAdmin = (caller: Caller): number => requireAdmin(caller, 'Only admins manage the catalog').userId;

const MAX_PRICE_CENTS = 100_000_000;
const MAX_STOCK = 1_000_000;

const text = (max: number) => z.string().trim().min(1).max(max);
/** Percent with at most two decimals, 0..100 → basis points. */
const discount = z
  .number()
  .min(0)
  .max(100)
  .refine((p) => Math.abs(Math.round(p * 100) - p * 100) < 1e-6, 'at most two decimals')
  .transform((p) => Math.round(p * 100));
const urls = z.array(z.string().url().max(2000)).max(20);
/** Shipping weight in kg; a pallet-sized 10 t is far beyond any parcel, so anything above is a typo. */
const MAX_WEIGHT_KG = 10_000;
/** Longest side in cm. */
const MAX_DIMENSION_CM = 10_000;
const centimetres = z.number().min(0).max(MAX_DIMENSION_CM);
const dimensions = z.object({ width: centimetres, height: centimetres, depth: centimetres });

const createSchema = z.object({
  sku: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, '1..64 characters of A-Z, 0-9, - and _'),
  title: text(200),
  description: text(5000),
  brand: text(100).nullish(),
  categorySlug: text(100),
  priceCents: z.number().int().min(0).max(MAX_PRICE_CENTS),
  discountPercentage: discount.nullish(),
  stock: z.number().int().min(0).max(MAX_STOCK).nullish(),
  tags: z.array(text(50)).max(20).nullish(),
  images: urls.nullish(),
  thumbnail: z.string().url().max(2000).nullish(),
  weight: z.number().min(0).max(MAX_WEIGHT_KG).nullish(),
  dimensions: dimensions.nullish(),
  shippingInformation: text(200).nullish(),
  returnPolicy: text(200).nullish(),
  warrantyInformation: text(200).nullish(),
});
export type CreateProductInput = z.input<typeof createSchema>;

const { sku: _sku, stock: _stock, ...updatable } = createSchema.shape;
/**
 * Every field of createSchema but sku and stock, each optional; null clears only the nullable ones
 * (brand, thumbnail and the shipping, return and warranty texts).
 */
const updateSchema = z.object(
  Object.fromEntries(Object.entries(updatable).map(([k, v]) => [k, v.nullish()])) as {
    [K in keyof typeof updatable]: z.ZodOptional<z.ZodNullable<(typeof updatable)[K]>>;
  },
);
export type UpdateProductInput = z.input<typeof updateSchema>;

const adjustmentSchema = z.object({
  delta: z
    .number()
    .int()
    .min(-MAX_STOCK)
    .max(MAX_STOCK)
    .refine((d) => d !== 0, 'must not be zero'),
  reason: text(500),
});

/** Position in a product's movements (id DESC); the bigint id as a decimal string. */
const movementCursor = cursorCodec(z.object({ id: cursorKeys.bigintId() }));

export interface StockMovementPage {
  edges: { cursor: string; node: StockMovementRecord }[];
  pageInfo: PageInfo;
}

const isCheckViolation = (err: unknown) => err instanceof Error && /Product_stock_non_negative|23514/.test(err.message);

/**
 * Merchant changes to the catalog. Callers check the ADMIN role; this validates input (zod) and
 * keeps the sale price, the stock audit trail and the stock events consistent with each change.
 */
export class CatalogAdminService {
  constructor(
    private readonly db: ProductDb,
    private readonly events: StockEventPublisher,
  ) {}

  /**
   * ADMIN (the actor of its first stock movement).
   * @throws UnauthenticatedError / ForbiddenError for anyone but an admin.
   * @throws BadUserInputError for invalid fields or an unknown category; ConflictError for a SKU in use.
   */
  async create(caller: Caller, input: CreateProductInput): Promise<ProductRecord> {
    const actorId = catalogAdmin(caller);
    const data = parseInput(createSchema, input);
    const categoryId = await this.categoryId(data.categorySlug);
    const discountBasisPoints = data.discountPercentage ?? 0;
    const stock = data.stock ?? 0;
    try {
      const product = await this.db.$transaction(async (tx) => {
        const created = await tx.product.create({
          data: {
            sku: data.sku,
            title: data.title,
            description: data.description,
            brand: data.brand ?? null,
            categoryId,
            priceCents: data.priceCents,
            discountBasisPoints,
            salePriceCents: lineTotal(data.priceCents, 1, discountBasisPoints),
            stock,
            tags: data.tags ?? [],
            images: data.images ?? [],
            thumbnail: data.thumbnail ?? null,
            // Weight and dimensions left out are 0: such a product is charged by the other measure only.
            weightKg: data.weight ?? 0,
            widthCm: data.dimensions?.width ?? 0,
            heightCm: data.dimensions?.height ?? 0,
            depthCm: data.dimensions?.depth ?? 0,
            shippingInformation: data.shippingInformation ?? null,
            returnPolicy: data.returnPolicy ?? null,
            warrantyInformation: data.warrantyInformation ?? null,
          },
        });
        await addSearchWords(tx, [created.id]);
        if (stock > 0) {
          await tx.stockMovement.create({
            data: { productId: created.id, delta: stock, stockAfter: stock, reason: 'ADJUSTMENT', note: 'initial stock', actorId },
          });
        }
        return created;
      });
      if (stock > 0) await this.events.published([{ productId: product.id, stock }]);
      return product;
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError(`SKU ${data.sku} is in use`, { field: 'sku' });
      throw err;
    }
  }

  /** ADMIN. @throws UnauthenticatedError / ForbiddenError for anyone but an admin; NotFoundError, BadUserInputError for invalid fields or an unknown category. */
  async update(caller: Caller, id: number, input: UpdateProductInput): Promise<ProductRecord> {
    catalogAdmin(caller);
    const data = parseInput(updateSchema, input);
    const current = await this.find(id);
    const priceCents = data.priceCents ?? current.priceCents;
    const discountBasisPoints = data.discountPercentage ?? current.discountBasisPoints;
    const categoryId = data.categorySlug != null ? await this.categoryId(data.categorySlug) : undefined;
    // A new title or brand brings its words into the search vocabulary in the same transaction.
    return this.db.$transaction(async (tx) => {
      const updated = await tx.product.update({
        where: { id },
        data: {
          ...(data.title != null ? { title: data.title } : {}),
          ...(data.description != null ? { description: data.description } : {}),
          ...(data.brand !== undefined ? { brand: data.brand } : {}),
          ...(categoryId !== undefined ? { categoryId } : {}),
          ...(data.tags != null ? { tags: data.tags } : {}),
          ...(data.images != null ? { images: data.images } : {}),
          ...(data.thumbnail !== undefined ? { thumbnail: data.thumbnail } : {}),
          ...(data.weight != null ? { weightKg: data.weight } : {}),
          ...(data.dimensions != null
            ? { widthCm: data.dimensions.width, heightCm: data.dimensions.height, depthCm: data.dimensions.depth }
            : {}),
          ...(data.shippingInformation !== undefined ? { shippingInformation: data.shippingInformation } : {}),
          ...(data.returnPolicy !== undefined ? { returnPolicy: data.returnPolicy } : {}),
          ...(data.warrantyInformation !== undefined ? { warrantyInformation: data.warrantyInformation } : {}),
          priceCents,
          discountBasisPoints,
          salePriceCents: lineTotal(priceCents, 1, discountBasisPoints),
        },
      });
      if (data.title != null || data.brand != null) await addSearchWords(tx, [id]);
      return updated;
    });
  }

  /** ADMIN: sets or clears `archivedAt`; archiving twice keeps the first time. @throws UnauthenticatedError / ForbiddenError for anyone but an admin; NotFoundError */
  async setArchived(caller: Caller, id: number, archived: boolean): Promise<ProductRecord> {
    catalogAdmin(caller);
    await this.find(id);
    await this.db.product.updateMany({
      where: { id, archivedAt: archived ? null : { not: null } },
      data: { archivedAt: archived ? new Date() : null },
    });
    return this.find(id);
  }

  /**
   * Moves stock by `delta` units with a reason, in one statement that cannot go below zero, and
   * records the movement (the admin as its actor); publishes the new level once committed.
   * @throws UnauthenticatedError / ForbiddenError for anyone but an admin; NotFoundError; BadUserInputError for a zero or huge delta or an empty reason;
   *   ConflictError when the stock would go below zero.
   */
  async adjustStock(
    caller: Caller,
    id: number,
    delta: number,
    reason: string,
  ): Promise<{ product: ProductRecord; movement: StockMovementRecord }> {
    const actorId = catalogAdmin(caller);
    const input = parseInput(adjustmentSchema, { delta, reason });
    await this.find(id);
    let result: { product: ProductRecord; movement: StockMovementRecord };
    try {
      result = await this.db.$transaction(async (tx) => {
        const product = await tx.product.update({ where: { id }, data: { stock: { increment: input.delta } } });
        const movement = await tx.stockMovement.create({
          data: { productId: id, delta: input.delta, stockAfter: product.stock, reason: 'ADJUSTMENT', note: input.reason, actorId },
        });
        return { product, movement };
      });
    } catch (err) {
      if (isCheckViolation(err)) throw new ConflictError(`Stock of product ${id} cannot go below zero`, { field: 'delta' });
      throw err;
    }
    await this.events.published([{ productId: id, stock: result.product.stock }]);
    return result;
  }

  /**
   * ADMIN: the product's stock movements, newest first.
   * @throws ForbiddenError for anyone but an admin (signed out included); BadUserInputError for a bad page size or cursor.
   */
  async stockMovements(
    caller: Caller,
    productId: number,
    args: { first?: number | null; after?: string | null },
  ): Promise<StockMovementPage> {
    if (!hasRole(caller, 'ADMIN')) throw new ForbiddenError('Only admins see stock movements');
    const take = pageSize(args.first);
    const after = args.after ? movementCursor.decode(args.after) : null;
    const rows = await this.db.stockMovement.findMany({
      where: { productId, ...(after ? { id: { lt: BigInt(after.id) } } : {}) },
      orderBy: { id: 'desc' },
      take: take + 1,
    });
    return connectionPage(rows, take, after !== null, (node) => ({ cursor: movementCursor.encode({ id: String(node.id) }), node }));
  }

  private async find(id: number): Promise<ProductRecord> {
    const product = await this.db.product.findUnique({ where: { id } });
    if (!product) throw new NotFoundError('Product', id);
    return product;
  }

  private async categoryId(slug: string): Promise<number> {
    const category = await this.db.category.findUnique({ where: { slug }, select: { id: true } });
    if (!category) throw new NotFoundError('Category', slug);
    return category.id;
  }
}
