-- AlterTable
ALTER TABLE "OutboxMessage" ADD COLUMN     "traceparent" TEXT,
ADD COLUMN     "tracestate" TEXT;
