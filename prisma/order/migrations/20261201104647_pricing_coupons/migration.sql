-- CreateEnum
CREATE TYPE "ShippingZone" AS ENUM ('DOMESTIC', 'EUROPE', 'INTERNATIONAL');

-- CreateEnum
CREATE TYPE "ShippingMethod" AS ENUM ('STANDARD', 'EXPRESS');

-- CreateEnum
CREATE TYPE "TaxCategory" AS ENUM ('STANDARD', 'REDUCED');

-- CreateEnum
CREATE TYPE "CouponType" AS ENUM ('PERCENTAGE', 'FIXED_AMOUNT', 'FREE_SHIPPING');

-- AlterTable
ALTER TABLE "Order" ADD COLUMN     "cartId" TEXT,
ADD COLUMN     "couponCode" TEXT,
ADD COLUMN     "couponTerms" JSONB,
ADD COLUMN     "discountTotalCents" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "estimate" JSONB,
ADD COLUMN     "shippingAddress" JSONB,
ADD COLUMN     "shippingMethod" "ShippingMethod",
ADD COLUMN     "shippingRate" JSONB,
ADD COLUMN     "shippingTotalCents" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "taxLines" JSONB NOT NULL DEFAULT '[]',
ADD COLUMN     "taxTotalCents" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "OrderItem" ADD COLUMN     "categoryPath" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN     "depthCm" DOUBLE PRECISION NOT NULL DEFAULT 0,
ADD COLUMN     "discountCents" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "handlingDays" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "heightCm" DOUBLE PRECISION NOT NULL DEFAULT 0,
ADD COLUMN     "taxCategory" "TaxCategory" NOT NULL DEFAULT 'STANDARD',
ADD COLUMN     "taxCents" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "weightKg" DOUBLE PRECISION NOT NULL DEFAULT 0,
ADD COLUMN     "widthCm" DOUBLE PRECISION NOT NULL DEFAULT 0;

-- CreateTable
CREATE TABLE "ShippingRate" (
    "zone" "ShippingZone" NOT NULL,
    "method" "ShippingMethod" NOT NULL,
    "baseCents" INTEGER NOT NULL,
    "perKgCents" INTEGER NOT NULL,
    "transitMinDays" INTEGER NOT NULL,
    "transitMaxDays" INTEGER NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ShippingRate_pkey" PRIMARY KEY ("zone","method")
);

-- CreateTable
CREATE TABLE "Coupon" (
    "id" TEXT NOT NULL,
    "code" TEXT NOT NULL,
    "type" "CouponType" NOT NULL,
    "value" INTEGER NOT NULL,
    "categories" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "minSubtotalCents" INTEGER NOT NULL DEFAULT 0,
    "validFrom" TIMESTAMP(3),
    "validUntil" TIMESTAMP(3),
    "usageLimit" INTEGER,
    "perCustomerLimit" INTEGER,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "redeemedCount" INTEGER NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Coupon_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "CouponRedemption" (
    "orderId" TEXT NOT NULL,
    "couponId" TEXT NOT NULL,
    "userId" INTEGER NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "releasedAt" TIMESTAMP(3),

    CONSTRAINT "CouponRedemption_pkey" PRIMARY KEY ("orderId")
);

-- CreateTable
CREATE TABLE "CartCoupon" (
    "cartId" TEXT NOT NULL,
    "userId" INTEGER NOT NULL,
    "couponId" TEXT NOT NULL,
    "appliedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "CartCoupon_pkey" PRIMARY KEY ("cartId")
);

-- CreateIndex
CREATE UNIQUE INDEX "Coupon_code_key" ON "Coupon"("code");

-- CreateIndex
CREATE INDEX "CouponRedemption_couponId_userId_idx" ON "CouponRedemption"("couponId", "userId");

-- AddForeignKey
ALTER TABLE "CouponRedemption" ADD CONSTRAINT "CouponRedemption_couponId_fkey" FOREIGN KEY ("couponId") REFERENCES "Coupon"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CartCoupon" ADD CONSTRAINT "CartCoupon_couponId_fkey" FOREIGN KEY ("couponId") REFERENCES "Coupon"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- The default rate table of issue 10, in cents and business days. ADMIN edits it with updateShippingRate.
INSERT INTO "ShippingRate" ("zone", "method", "baseCents", "perKgCents", "transitMinDays", "transitMaxDays") VALUES
  ('DOMESTIC', 'STANDARD', 499, 100, 3, 5),
  ('DOMESTIC', 'EXPRESS', 1499, 200, 1, 2),
  ('EUROPE', 'STANDARD', 999, 200, 5, 10),
  ('EUROPE', 'EXPRESS', 2999, 400, 2, 4),
  ('INTERNATIONAL', 'STANDARD', 1499, 300, 7, 21),
  ('INTERNATIONAL', 'EXPRESS', 4999, 600, 3, 6);
