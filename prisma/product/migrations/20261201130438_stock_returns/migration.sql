-- AlterEnum
ALTER TYPE "StockMovementReason" ADD VALUE 'RETURN';

-- AlterTable
ALTER TABLE "StockMovement" ADD COLUMN     "returnId" TEXT;

-- CreateTable
CREATE TABLE "StockReturn" (
    "returnId" TEXT NOT NULL,
    "orderId" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "StockReturn_pkey" PRIMARY KEY ("returnId")
);
