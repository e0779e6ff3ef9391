-- CreateEnum
CREATE TYPE "StockMovementReason" AS ENUM ('RESERVATION', 'RELEASE', 'ADJUSTMENT');

-- AlterTable
ALTER TABLE "Category" ADD COLUMN     "parentId" INTEGER;

-- AlterTable
ALTER TABLE "Product" ADD COLUMN     "archivedAt" TIMESTAMP(3),
ADD COLUMN     "averageRating" DOUBLE PRECISION,
ADD COLUMN     "ratingVersion" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "reviewCount" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "salePriceCents" INTEGER;

-- Backfill (hand-written): existing rows get the sale price before the column becomes NOT NULL.
UPDATE "Product" SET "salePriceCents" = (2 * "priceCents"::bigint * (10000 - "discountBasisPoints") + 10000) / 20000;
ALTER TABLE "Product" ALTER COLUMN "salePriceCents" SET NOT NULL;

-- CreateTable
CREATE TABLE "StockMovement" (
    "id" BIGSERIAL NOT NULL,
    "productId" INTEGER NOT NULL,
    "delta" INTEGER NOT NULL,
    "stockAfter" INTEGER NOT NULL,
    "reason" "StockMovementReason" NOT NULL,
    "note" TEXT,
    "orderId" TEXT,
    "actorId" INTEGER,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "StockMovement_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "StockMovement_productId_createdAt_idx" ON "StockMovement"("productId", "createdAt");

-- CreateIndex
CREATE INDEX "Category_parentId_idx" ON "Category"("parentId");

-- CreateIndex
CREATE INDEX "Product_salePriceCents_id_idx" ON "Product"("salePriceCents", "id");

-- CreateIndex
CREATE INDEX "Product_averageRating_id_idx" ON "Product"("averageRating", "id");

-- CreateIndex
CREATE INDEX "Product_createdAt_id_idx" ON "Product"("createdAt", "id");

-- CreateIndex
CREATE INDEX "Product_title_id_idx" ON "Product"("title", "id");

-- AddForeignKey
ALTER TABLE "Category" ADD CONSTRAINT "Category_parentId_fkey" FOREIGN KEY ("parentId") REFERENCES "Category"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "StockMovement" ADD CONSTRAINT "StockMovement_productId_fkey" FOREIGN KEY ("productId") REFERENCES "Product"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Hand-written below: constraints, full-text and trigram search (schema.prisma cannot express them).

-- AddCheckConstraint: the sale price is the list price less the discount, rounded half-up to the cent
-- (the rule of lineTotal in packages/common/src/pricing.ts, DESIGN.md "Pricing").
ALTER TABLE "Product" ADD CONSTRAINT "Product_salePrice_rule"
  CHECK ("salePriceCents" = (2 * "priceCents"::bigint * (10000 - "discountBasisPoints") + 10000) / 20000);
ALTER TABLE "Product" ADD CONSTRAINT "Product_price_non_negative" CHECK ("priceCents" >= 0);
ALTER TABLE "Product" ADD CONSTRAINT "Product_discount_range" CHECK ("discountBasisPoints" BETWEEN 0 AND 10000);
ALTER TABLE "Product" ADD CONSTRAINT "Product_rating_range" CHECK ("averageRating" IS NULL OR "averageRating" BETWEEN 1 AND 5);
ALTER TABLE "Category" ADD CONSTRAINT "Category_not_own_parent" CHECK ("parentId" IS NULL OR "parentId" <> "id");

-- Full-text document of a product: title and brand weigh most, then tags, then the description.
-- IMMUTABLE so a GIN expression index can hold it (array_to_string alone is only STABLE).
CREATE FUNCTION product_search_document(title text, brand text, tags text[], description text) RETURNS tsvector
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A')
        || setweight(to_tsvector('english'::regconfig, coalesce(brand, '')), 'A')
        || setweight(to_tsvector('english'::regconfig, coalesce(array_to_string(tags, ' '), '')), 'B')
        || setweight(to_tsvector('english'::regconfig, coalesce(description, '')), 'C')
  $$;
CREATE INDEX "Product_search_document_idx" ON "Product"
  USING GIN (product_search_document("title", "brand", "tags", "description"));

-- Trigram similarity for typos ("iphnoe" → iPhone).
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX "Product_title_trgm_idx" ON "Product" USING GIN ("title" gin_trgm_ops);
CREATE INDEX "Product_brand_trgm_idx" ON "Product" USING GIN ("brand" gin_trgm_ops);
