-- AlterTable
ALTER TABLE "Cart" ADD COLUMN     "expiresAt" TIMESTAMP(3),
ADD COLUMN     "tokenHash" TEXT,
ALTER COLUMN "userId" DROP NOT NULL;

-- CreateTable
CREATE TABLE "GuestCartMerge" (
    "tokenHash" TEXT NOT NULL,
    "userId" INTEGER NOT NULL,
    "mergedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "GuestCartMerge_pkey" PRIMARY KEY ("tokenHash")
);

-- CreateIndex
CREATE INDEX "GuestCartMerge_mergedAt_idx" ON "GuestCartMerge"("mergedAt");

-- CreateIndex
CREATE UNIQUE INDEX "Cart_tokenHash_key" ON "Cart"("tokenHash");

-- CreateIndex
CREATE INDEX "Cart_expiresAt_idx" ON "Cart"("expiresAt");

-- AddCheckConstraint (hand-written: schema.prisma cannot express CHECK constraints)
ALTER TABLE "Cart" ADD CONSTRAINT "Cart_owner_exactly_one" CHECK (("userId" IS NULL) <> ("tokenHash" IS NULL));

-- AddCheckConstraint (hand-written) guest carts, and only they, expire
ALTER TABLE "Cart" ADD CONSTRAINT "Cart_guest_expires" CHECK (("tokenHash" IS NULL) = ("expiresAt" IS NULL));
