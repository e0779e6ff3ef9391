-- CreateEnum
CREATE TYPE "ModerationAction" AS ENUM ('HIDE', 'RESTORE');

-- AlterTable
ALTER TABLE "Review" ADD COLUMN     "helpfulCount" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "hidden" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "hiddenReason" TEXT;

-- CreateTable
CREATE TABLE "HelpfulVote" (
    "reviewId" TEXT NOT NULL,
    "userId" INTEGER NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "HelpfulVote_pkey" PRIMARY KEY ("reviewId","userId")
);

-- CreateTable
CREATE TABLE "ReviewModeration" (
    "id" BIGSERIAL NOT NULL,
    "reviewId" TEXT NOT NULL,
    "action" "ModerationAction" NOT NULL,
    "reason" TEXT NOT NULL,
    "moderatorId" INTEGER NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ReviewModeration_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ProductRating" (
    "productId" INTEGER NOT NULL,
    "reviewCount" INTEGER NOT NULL DEFAULT 0,
    "ratingSum" INTEGER NOT NULL DEFAULT 0,
    "stars1" INTEGER NOT NULL DEFAULT 0,
    "stars2" INTEGER NOT NULL DEFAULT 0,
    "stars3" INTEGER NOT NULL DEFAULT 0,
    "stars4" INTEGER NOT NULL DEFAULT 0,
    "stars5" INTEGER NOT NULL DEFAULT 0,
    "version" INTEGER NOT NULL DEFAULT 0,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ProductRating_pkey" PRIMARY KEY ("productId")
);

-- CreateTable
CREATE TABLE "Purchase" (
    "orderId" TEXT NOT NULL,
    "productId" INTEGER NOT NULL,
    "userId" INTEGER NOT NULL,
    "cancelledAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Purchase_pkey" PRIMARY KEY ("orderId","productId")
);

-- CreateIndex
CREATE INDEX "ReviewModeration_reviewId_createdAt_idx" ON "ReviewModeration"("reviewId", "createdAt");

-- CreateIndex
CREATE INDEX "Purchase_userId_productId_idx" ON "Purchase"("userId", "productId");

-- Hand-written: one review per user per product. Where a user reviewed a product more than once
-- (DummyJSON product 1), the latest review stands (ties: the greatest id), as a second createReview would.
DELETE FROM "Review" r USING "Review" newer
WHERE r."productId" = newer."productId" AND r."authorId" = newer."authorId"
  AND (r."createdAt", r."id") < (newer."createdAt", newer."id");

-- CreateIndex
CREATE UNIQUE INDEX "Review_productId_authorId_key" ON "Review"("productId", "authorId");

-- AddForeignKey
ALTER TABLE "HelpfulVote" ADD CONSTRAINT "HelpfulVote_reviewId_fkey" FOREIGN KEY ("reviewId") REFERENCES "Review"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ReviewModeration" ADD CONSTRAINT "ReviewModeration_reviewId_fkey" FOREIGN KEY ("reviewId") REFERENCES "Review"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Hand-written below.
ALTER TABLE "Review" ADD CONSTRAINT "Review_helpfulCount_non_negative" CHECK ("helpfulCount" >= 0);
ALTER TABLE "ProductRating" ADD CONSTRAINT "ProductRating_consistent" CHECK (
  "reviewCount" >= 0 AND "reviewCount" = "stars1" + "stars2" + "stars3" + "stars4" + "stars5"
  AND "ratingSum" = "stars1" + 2 * "stars2" + 3 * "stars3" + 4 * "stars4" + 5 * "stars5");

-- Backfill the aggregates of reviews that already exist.
INSERT INTO "ProductRating" ("productId", "reviewCount", "ratingSum", "stars1", "stars2", "stars3", "stars4", "stars5", "version", "updatedAt")
SELECT "productId", count(*), sum("rating"),
       count(*) FILTER (WHERE "rating" = 1), count(*) FILTER (WHERE "rating" = 2), count(*) FILTER (WHERE "rating" = 3),
       count(*) FILTER (WHERE "rating" = 4), count(*) FILTER (WHERE "rating" = 5), 0, CURRENT_TIMESTAMP
FROM "Review" WHERE NOT "hidden" GROUP BY "productId";
