-- Catalog queries that scale (issue 15 item 4): a stored full-text document and the indexes every
-- listing sort reads in order. Plain statements only: migrations run outside a transaction.

-- The full-text document, generated and stored: ranking reads it instead of running to_tsvector over
-- the title, tags and description of every match (which was most of the time of a search). Hand-edited
-- from the DEFAULT the differ wrote (schema.prisma cannot say GENERATED), and the differ reads the generation
-- expression as the default of the column, so later diffs leave it alone.
ALTER TABLE "Product" ADD COLUMN "searchDocument" tsvector
  GENERATED ALWAYS AS (product_search_document("title", "brand", "tags", "description")) STORED;

-- CreateIndex
CREATE INDEX "Product_searchDocument_idx" ON "Product" USING GIN ("searchDocument");

-- The expression index over the same document is now unused.
DROP INDEX "Product_search_document_idx";

-- Keyset listings: (key in the direction of the sort, id ascending). PRICE_ASC and TITLE_ASC keep their
-- indexes, the descending sorts get theirs (NEWEST replacing the ascending createdAt one, which nothing reads).
-- DropIndex
DROP INDEX "Product_createdAt_id_idx";

-- CreateIndex
CREATE INDEX "Product_createdAt_desc_id_idx" ON "Product"("createdAt" DESC, "id");

-- CreateIndex
CREATE INDEX "Product_salePriceCents_desc_id_idx" ON "Product"("salePriceCents" DESC, "id");

-- RATING_DESC orders by coalesce("averageRating", 0) (unrated last): an expression index, by hand.
-- Product_averageRating_id_idx stays for the minRating filter.
CREATE INDEX "Product_ratingKey_desc_id_idx" ON "Product"((coalesce("averageRating", 0)) DESC, "id");

-- Category pages: the same sorts per category, so a page reads each category below its root from its
-- cursor on and merges them (replacing the index on categoryId alone, a prefix of these).
-- DropIndex
DROP INDEX "Product_categoryId_idx";

-- CreateIndex
CREATE INDEX "Product_categoryId_id_idx" ON "Product"("categoryId", "id");

-- CreateIndex
CREATE INDEX "Product_categoryId_salePriceCents_id_idx" ON "Product"("categoryId", "salePriceCents", "id");

-- CreateIndex
CREATE INDEX "Product_categoryId_salePriceCents_desc_id_idx" ON "Product"("categoryId", "salePriceCents" DESC, "id");

-- CreateIndex
CREATE INDEX "Product_categoryId_createdAt_desc_id_idx" ON "Product"("categoryId", "createdAt" DESC, "id");

-- CreateIndex
CREATE INDEX "Product_categoryId_title_id_idx" ON "Product"("categoryId", "title", "id");

-- CreateIndex (by hand, an expression index as above)
CREATE INDEX "Product_categoryId_ratingKey_desc_id_idx" ON "Product"("categoryId", (coalesce("averageRating", 0)) DESC, "id");

-- The brand filter compares lower("brand"): an expression index, by hand.
CREATE INDEX "Product_brand_lower_idx" ON "Product"(lower("brand"));
