import { categoryNameFromSlug, dollarsToCents, percentToBasisPoints, type Catalog } from '@commerce/seed-data';
import type { ProductDb } from './db';

/**
 * Imports the catalog's categories and products, keeping DummyJSON's product ids. Inserts only
 * what is missing: a second run changes nothing, and stock already sold is never reset.
 * @returns how many rows were inserted.
 */
export async function seedProducts(db: ProductDb, catalog: Pick<Catalog, 'products'>): Promise<{ categories: number; products: number }> {
  const slugs = [...new Set(catalog.products.map((p) => p.category))].sort();
  const categories = await db.category.createMany({
    data: slugs.map((slug) => ({ slug, name: categoryNameFromSlug(slug) })),
    skipDuplicates: true,
  });
  const categoryIds = new Map((await db.category.findMany()).map((c) => [c.slug, c.id]));
  const products = await db.product.createMany({
    data: catalog.products.map((p) => ({
      id: p.id,
      sku: p.sku,
      title: p.title,
      description: p.description,
      brand: p.brand ?? null,
      categoryId: categoryIds.get(p.category)!,
      priceCents: dollarsToCents(p.price),
      discountBasisPoints: percentToBasisPoints(p.discountPercentage),
      stock: p.stock,
      tags: p.tags,
      images: p.images,
      thumbnail: p.thumbnail ?? null,
      createdAt: p.meta?.createdAt ? new Date(p.meta.createdAt) : undefined,
    })),
    skipDuplicates: true,
  });
  // Explicit ids leave the sequence behind; new products must not collide with imported ones.
  await db.$executeRawUnsafe(`SELECT setval(pg_get_serial_sequence('"Product"', 'id'), GREATEST((SELECT MAX(id) FROM "Product"), 1))`);
  return { categories: categories.count, products: products.count };
}
