"""Let `name__icontains` (Django: UPPER(name) LIKE UPPER(%s)) use a trigram index too, on PostgreSQL only.

Without it the search's OR of "contains" and "word-similar" falls back to a sequential scan.
The planner also prices pg_trgm's `%>` as cheap as `=`, so on 30,000 cards it picked a
sequential scan computing word similarity for every row (160 ms) over the index (25 ms);
a realistic COST on the operator's function fixes the choice. That ALTER needs to own the
extension; where the database user does not, it is skipped and search is just slower.
"""

import logging

from django.db import DatabaseError, migrations, transaction

logger = logging.getLogger(__name__)

INDEX_NAME = "card_name_upper_trgm_idx"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX_NAME} ON cards_card USING gin ((UPPER(name::text)) gin_trgm_ops)"
    )
    try:
        with transaction.atomic(using=schema_editor.connection.alias):
            schema_editor.execute("ALTER FUNCTION word_similarity_commutator_op(text, text) COST 1000")
    except DatabaseError:
        logger.warning("cards: could not set the cost of pg_trgm's %%> operator (not the extension owner)")


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX_NAME}")


class Migration(migrations.Migration):
    dependencies = [("cards", "0002_cards_trigram_search")]

    operations = [migrations.RunPython(create_index, drop_index)]
