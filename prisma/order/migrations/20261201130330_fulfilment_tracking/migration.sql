-- CreateEnum
CREATE TYPE "Carrier" AS ENUM ('UPS', 'USPS', 'DHL', 'FEDEX');

-- CreateEnum
CREATE TYPE "OrderActorKind" AS ENUM ('USER', 'SYSTEM');

-- AlterTable
ALTER TABLE "Order" ADD COLUMN     "carrier" "Carrier",
ADD COLUMN     "customerEmail" TEXT,
ADD COLUMN     "deliveredAt" TIMESTAMP(3),
ADD COLUMN     "shippedAt" TIMESTAMP(3),
ADD COLUMN     "trackingNumber" TEXT,
ADD COLUMN     "trackingUrl" TEXT;

-- AlterTable
ALTER TABLE "OrderStatusEvent" ADD COLUMN     "actorKind" "OrderActorKind" NOT NULL DEFAULT 'SYSTEM',
ADD COLUMN     "actorName" TEXT,
ADD COLUMN     "actorRole" TEXT,
ADD COLUMN     "actorUserId" INTEGER,
ADD COLUMN     "reason" TEXT;

-- CreateIndex
CREATE INDEX "Order_createdAt_id_idx" ON "Order"("createdAt", "id");

-- CreateIndex
CREATE INDEX "Order_totalCents_id_idx" ON "Order"("totalCents", "id");

-- CreateIndex
CREATE INDEX "Order_userId_totalCents_id_idx" ON "Order"("userId", "totalCents", "id");

-- CreateIndex
CREATE INDEX "Order_status_createdAt_id_idx" ON "Order"("status", "createdAt", "id");

-- CreateIndex
CREATE INDEX "Order_customerEmail_createdAt_id_idx" ON "Order"("customerEmail", "createdAt", "id");
