-- Usernames and emails unique regardless of case and Unicode form (issue 16, item 7).
-- The application compares NFKC + case-folded keys (subgraphs/user/src/services/account-names.ts).
-- For ASCII, which is all that registration and the seed could store until now, that key is
-- exactly lower(normalize(x, NFKC)), so it is computed here in SQL.
--
-- Existing collisions are NOT resolved automatically: which of two accounts keeps a name (and its
-- sign-in, orders and reviews) is an operator's decision. So the migration fails before changing
-- anything and names the colliding rows: rename all but one account of each group, then migrate again.
--
-- The schema engine runs this file statement by statement, split at every semicolon, so there is
-- no DO block here: a failed cast carries the message instead of RAISE (only when rows are found).

-- Collisions by case or Unicode form.
SELECT CAST('Accounts that differ only by case or Unicode form, rename all but one of each group and migrate again: '
            || string_agg(key || ': ' || accounts, ' | ') AS date)
  FROM (
    SELECT 'username ' || lower(normalize("username", NFKC)) AS key,
           string_agg(format('#%s %L', "id", "username"), ', ' ORDER BY "id") AS accounts
      FROM "User" GROUP BY lower(normalize("username", NFKC)) HAVING count(*) > 1
    UNION ALL
    SELECT 'email ' || lower(normalize("email", NFKC)),
           string_agg(format('#%s %L', "id", "email"), ', ' ORDER BY "id")
      FROM "User" GROUP BY lower(normalize("email", NFKC)) HAVING count(*) > 1
  ) AS collisions
  HAVING count(*) > 0;

-- Outside ASCII, PostgreSQL's lower() is not the application's case folding (ß, final sigma):
-- rather than store a key the application would never compute, stop and name the rows.
SELECT CAST('Accounts with non-ASCII usernames or emails, which no earlier version could register, fix them by hand: '
            || string_agg(format('#%s %L %L', "id", "username", "email"), ' | ' ORDER BY "id") AS date)
  FROM "User" WHERE "username" ~ '[^\x01-\x7f]' OR "email" ~ '[^\x01-\x7f]'
  HAVING count(*) > 0;

-- AlterTable
ALTER TABLE "User" ADD COLUMN     "usernameKey" TEXT;
UPDATE "User" SET "usernameKey" = lower(normalize("username", NFKC)), "email" = lower(normalize("email", NFKC));
ALTER TABLE "User" ALTER COLUMN "usernameKey" SET NOT NULL;

-- CreateIndex
CREATE UNIQUE INDEX "User_usernameKey_key" ON "User"("usernameKey");

-- Emails are stored as their key: the unique index on "email" is then case-insensitive.
ALTER TABLE "User" ADD CONSTRAINT "User_email_folded" CHECK ("email" = lower("email"));
