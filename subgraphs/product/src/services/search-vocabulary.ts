import { Prisma, type ProductDb } from '../db';

/** A client or an interactive transaction's client: anything that runs raw SQL. */
type SqlRunner = Pick<ProductDb, '$executeRaw'>;

/**
 * How far a search word is widened: a word of the vocabulary to at most WORDS_CONTAINING words that
 * contain it ("phone" → iphone, smartphone, headphones), when it is at least MIN_CONTAINED long
 * (shorter ones are inside too many unrelated words); any other word, taken for a typo, to its
 * TYPO_CANDIDATES most similar words ("iphnoe" → iphone).
 */
export const WIDENING = { WORDS_CONTAINING: 8, MIN_CONTAINED: 4, TYPO_CANDIDATES: 3 } as const;

/**
 * Adds the title and brand words of these products (product_search_words, see the migration
 * search_vocabulary) to the search vocabulary; words already there are left alone. Run it in the
 * transaction that writes the products, so no committed product has a word the search cannot widen to.
 * @returns the number of words added
 */
export function addSearchWords(db: SqlRunner, productIds: readonly number[]): Promise<number> {
  if (productIds.length === 0) return Promise.resolve(0);
  return db.$executeRaw(Prisma.sql`
    INSERT INTO "SearchWord" ("word")
    SELECT DISTINCT w FROM "Product" p CROSS JOIN LATERAL product_search_words(p."title", p."brand") AS w
    WHERE p."id" IN (${Prisma.join([...productIds])})
    ON CONFLICT DO NOTHING`);
}

/**
 * The tsquery of a search (web-search syntax, English stemming), with every word of 3+ letters or
 * digits widened to itself OR vocabulary words like it ({@link WIDENING}), each with a pg_trgm word
 * similarity ≥ pg_trgm.word_similarity_threshold (TYPO_SIMILARITY, set per connection, so the
 * trigram index answers): "iphnoe" becomes 'iphno' | 'iphon', "phone" 'phone' | 'iphon' | …. The
 * widening is done on the query's tree (ts_rewrite), so phrases, exclusions and `or` keep their
 * meaning; the products are then matched by the search document's GIN index alone, no per-row
 * similarity. The nearest words come from the vocabulary's GiST index in order (`<->>`, 1 − word
 * similarity), so a search reads a few entries whatever the vocabulary's size (a sequential scan
 * took 250 ms per word at 50 000 words). One scalar subquery: PostgreSQL runs it once per statement (an InitPlan). Whether a
 * word is in the vocabulary is a primary-key probe (`LIMIT 1`: as an EXISTS the planner hashed the
 * whole vocabulary for every search).
 */
export function searchQuery(search: string): Prisma.Sql {
  return Prisma.sql`(
    WITH RECURSIVE word AS MATERIALIZED (
      SELECT DISTINCT ON (plainto_tsquery('english', w)::text) w AS "word", plainto_tsquery('english', w) AS "lexeme",
        coalesce((SELECT true FROM "SearchWord" k WHERE k."word" = w LIMIT 1), false) AS "known"
      FROM regexp_split_to_table(lower(${search}), '[^[:alnum:]]+') AS w
      WHERE length(w) >= 3 AND numnode(plainto_tsquery('english', w)) = 1
    ), widen AS (
      SELECT row_number() OVER (ORDER BY word."word") AS "n", word."lexeme", alt."query"
      FROM word CROSS JOIN LATERAL (
        SELECT (word."lexeme"::text || ' | ' || string_agg(v."lexeme"::text, ' | '))::tsquery AS "query"
        FROM (
          SELECT plainto_tsquery('english', s."word") AS "lexeme" FROM "SearchWord" s
          WHERE s."word" %> word."word" AND s."word" <> word."word"
            AND (NOT word."known" OR (length(word."word") >= ${WIDENING.MIN_CONTAINED}::int AND strpos(s."word", word."word") > 0))
          ORDER BY s."word" <->> word."word"
          LIMIT CASE WHEN word."known" THEN ${WIDENING.WORDS_CONTAINING}::int ELSE ${WIDENING.TYPO_CANDIDATES}::int END
        ) AS v
        WHERE numnode(v."lexeme") = 1
      ) AS alt
      WHERE alt."query" IS NOT NULL
    ), rewritten ("n", "query") AS (
      SELECT 0::bigint, websearch_to_tsquery('english', ${search})
      UNION ALL
      SELECT widen."n", ts_rewrite(r."query", widen."lexeme", widen."query") FROM rewritten r JOIN widen ON widen."n" = r."n" + 1
    )
    SELECT "query" FROM rewritten ORDER BY "n" DESC LIMIT 1)`;
}
