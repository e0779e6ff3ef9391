-- AlterTable
ALTER TABLE "Product" ADD COLUMN     "depthCm" DOUBLE PRECISION NOT NULL DEFAULT 0,
ADD COLUMN     "heightCm" DOUBLE PRECISION NOT NULL DEFAULT 0,
ADD COLUMN     "returnPolicy" TEXT,
ADD COLUMN     "shippingInformation" TEXT,
ADD COLUMN     "warrantyInformation" TEXT,
ADD COLUMN     "weightKg" DOUBLE PRECISION NOT NULL DEFAULT 0,
ADD COLUMN     "widthCm" DOUBLE PRECISION NOT NULL DEFAULT 0;

-- AddCheckConstraint (hand-written: schema.prisma cannot express CHECK constraints)
ALTER TABLE "Product" ADD CONSTRAINT "Product_shipping_measures_non_negative"
  CHECK ("weightKg" >= 0 AND "widthCm" >= 0 AND "heightCm" >= 0 AND "depthCm" >= 0);
