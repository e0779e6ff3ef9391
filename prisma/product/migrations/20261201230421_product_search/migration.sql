-- The search's narrow table (issue 15 item 4): each live product's search document and the columns
-- the listing filters read, about 200 bytes a row against the product's 670, laid out in category
-- order. A common word's matches then lie on a few pages (8 333 matches of "phone" at 100 000
-- products: 8 323 pages of Product, all 2 818 pages of this table in id order, 297 in category
-- order), and the search ranks them without touching Product. Kept by triggers on Product in the
-- statement that writes the product, so every writer keeps it: the catalog admin service, stock
-- reservations, releases and restocks, the rating sync, the seed, and SQL run by hand.
-- Plain statements (migrations run outside a transaction, split at every semicolon): the trigger
-- function's body is an E'' string whose semicolons are written \073.

-- No search reads Product's own document index any more (the document stays: the triggers copy it).
-- DropIndex
DROP INDEX "Product_searchDocument_idx";

-- CreateTable
CREATE TABLE "ProductSearch" (
    "id" INTEGER NOT NULL,
    "document" tsvector NOT NULL,
    "categoryId" INTEGER NOT NULL,
    "salePriceCents" INTEGER NOT NULL,
    "inStock" BOOLEAN NOT NULL,
    "averageRating" DOUBLE PRECISION,
    "brandKey" TEXT,

    CONSTRAINT "ProductSearch_pkey" PRIMARY KEY ("id")
);

-- Room on every page for a row's next version: a rating, price or in-stock change rewrites no index
-- entry (a HOT update: none of those columns is indexed) and keeps the row on its page, so the
-- category layout lasts.
ALTER TABLE "ProductSearch" SET (fillfactor = 90);

-- A product's row in ProductSearch, written after the product's row: the live product's copy, or
-- none once it is archived. An AFTER trigger, so NEW carries the generated searchDocument.
CREATE FUNCTION product_search_sync() RETURNS trigger LANGUAGE plpgsql AS E'
BEGIN
  IF NEW."archivedAt" IS NOT NULL THEN
    DELETE FROM "ProductSearch" WHERE "id" = NEW."id"\073
  ELSE
    INSERT INTO "ProductSearch" ("id", "document", "categoryId", "salePriceCents", "inStock", "averageRating", "brandKey")
    VALUES (NEW."id", NEW."searchDocument", NEW."categoryId", NEW."salePriceCents", NEW."stock" > 0, NEW."averageRating", lower(NEW."brand"))
    ON CONFLICT ("id") DO UPDATE SET
      "document" = EXCLUDED."document", "categoryId" = EXCLUDED."categoryId", "salePriceCents" = EXCLUDED."salePriceCents",
      "inStock" = EXCLUDED."inStock", "averageRating" = EXCLUDED."averageRating", "brandKey" = EXCLUDED."brandKey"\073
  END IF\073
  RETURN NULL\073
END';

CREATE TRIGGER "Product_search_insert" AFTER INSERT ON "Product"
  FOR EACH ROW EXECUTE FUNCTION product_search_sync();

-- Only updates that change what ProductSearch holds run the function: a checkout's stock decrement
-- does only when it empties the stock (the WHEN clause is evaluated without calling the function).
-- "searchDocument" in the column list fires on updates of the columns it is generated from.
CREATE TRIGGER "Product_search_update"
  AFTER UPDATE OF "searchDocument", "categoryId", "salePriceCents", "stock", "averageRating", "brand", "archivedAt" ON "Product"
  FOR EACH ROW WHEN (
    OLD."searchDocument" IS DISTINCT FROM NEW."searchDocument" OR OLD."categoryId" IS DISTINCT FROM NEW."categoryId"
    OR OLD."salePriceCents" IS DISTINCT FROM NEW."salePriceCents" OR (OLD."stock" > 0) IS DISTINCT FROM (NEW."stock" > 0)
    OR OLD."averageRating" IS DISTINCT FROM NEW."averageRating" OR OLD."brand" IS DISTINCT FROM NEW."brand"
    OR OLD."archivedAt" IS DISTINCT FROM NEW."archivedAt")
  EXECUTE FUNCTION product_search_sync();

-- The catalog already there, after the triggers (a product written meanwhile keeps its newer row),
-- in category order, before the indexes (built once rather than grown row by row).
INSERT INTO "ProductSearch" ("id", "document", "categoryId", "salePriceCents", "inStock", "averageRating", "brandKey")
  SELECT "id", "searchDocument", "categoryId", "salePriceCents", "stock" > 0, "averageRating", lower("brand")
  FROM "Product" WHERE "archivedAt" IS NULL ORDER BY "categoryId", "id"
  ON CONFLICT ("id") DO NOTHING;

-- Without the pending list: a search never scans unmerged entries (a freshly seeded 100 000 catalog's
-- list made "phone" read 321 index buffers in 5-8 ms, 46 in 2 ms once merged), the PostgreSQL
-- documentation's advice when response time matters more than write speed. Writes that change a
-- document are rare (catalog admin, seed), the others change no indexed column.
-- CreateIndex
CREATE INDEX "ProductSearch_document_idx" ON "ProductSearch" USING GIN ("document") WITH (fastupdate = off);

-- A search within a category reads its matches there, and CLUSTER "ProductSearch" (the seed runs it
-- after a bulk load) lays the table out again in this index's order.
-- CreateIndex
CREATE INDEX "ProductSearch_categoryId_id_idx" ON "ProductSearch"("categoryId", "id");

ALTER TABLE "ProductSearch" CLUSTER ON "ProductSearch_categoryId_id_idx";

-- AddForeignKey
ALTER TABLE "ProductSearch" ADD CONSTRAINT "ProductSearch_id_fkey" FOREIGN KEY ("id") REFERENCES "Product"("id") ON DELETE CASCADE ON UPDATE CASCADE;

ANALYZE "ProductSearch";
