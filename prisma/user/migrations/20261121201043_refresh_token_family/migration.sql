-- AlterTable: tokens issued before families existed each start a family of their own.
ALTER TABLE "RefreshToken" ADD COLUMN     "familyId" TEXT;
UPDATE "RefreshToken" SET "familyId" = "id";
ALTER TABLE "RefreshToken" ALTER COLUMN "familyId" SET NOT NULL;

-- CreateIndex
CREATE INDEX "RefreshToken_familyId_idx" ON "RefreshToken"("familyId");
