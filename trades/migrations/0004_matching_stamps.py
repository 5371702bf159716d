"""Matching freshness stamps, bumped by triggers on every table matching reads (docs/decisions/0033).

PostgreSQL only: elsewhere (the SQLite demo) matches are computed on every request and no
stamps are kept. List tables bump per statement (transition tables: a 50,000-row import costs
one upsert, not 50,000); the others per row, users and trades only when a column matching reads
changed. The catalog (cards, prices) bumps key 0.
"""

from django.db import migrations, models

TOUCH = """
CREATE SEQUENCE trades_matching_stamp_seq;

CREATE FUNCTION trades_matching_touch(keys bigint[]) RETURNS void LANGUAGE sql AS $$
    INSERT INTO trades_matchingstamp (key, stamp)
    SELECT key, nextval('trades_matching_stamp_seq')
    FROM (SELECT DISTINCT unnest(keys) AS key) AS touched WHERE key IS NOT NULL ORDER BY key
    ON CONFLICT (key) DO UPDATE SET stamp = EXCLUDED.stamp;
$$;

-- Row triggers: TG_ARGV names the user id columns of the row.
CREATE FUNCTION trades_matching_touch_row() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    keys bigint[] := '{}';
    col text;
BEGIN
    FOREACH col IN ARRAY TG_ARGV LOOP
        IF TG_OP <> 'DELETE' THEN keys := keys || (to_jsonb(NEW) ->> col)::bigint; END IF;
        IF TG_OP <> 'INSERT' THEN keys := keys || (to_jsonb(OLD) ->> col)::bigint; END IF;
    END LOOP;
    PERFORM trades_matching_touch(keys);
    RETURN NULL;
END $$;

-- Statement triggers of the list tables: every owner the statement touched, once.
CREATE FUNCTION trades_matching_touch_owners() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM trades_matching_touch(ARRAY(SELECT DISTINCT owner_id FROM new_rows));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM trades_matching_touch(ARRAY(SELECT DISTINCT owner_id FROM old_rows));
    ELSE
        PERFORM trades_matching_touch(ARRAY(SELECT owner_id FROM new_rows UNION SELECT owner_id FROM old_rows));
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION trades_matching_touch_catalog() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM trades_matching_touch(ARRAY[0::bigint]);
    RETURN NULL;
END $$;
"""

LIST_TABLES = ("lists_haveitem", "lists_wantitem")
CATALOG_TABLES = ("cards_card", "cards_cardprice")


def _triggers() -> list[str]:
    statements = []
    for table in LIST_TABLES:
        statements += [
            f"CREATE TRIGGER trades_matching_insert AFTER INSERT ON {table} REFERENCING NEW TABLE AS new_rows "
            "FOR EACH STATEMENT EXECUTE FUNCTION trades_matching_touch_owners()",
            f"CREATE TRIGGER trades_matching_update AFTER UPDATE ON {table} "
            "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
            "FOR EACH STATEMENT EXECUTE FUNCTION trades_matching_touch_owners()",
            f"CREATE TRIGGER trades_matching_delete AFTER DELETE ON {table} REFERENCING OLD TABLE AS old_rows "
            "FOR EACH STATEMENT EXECUTE FUNCTION trades_matching_touch_owners()",
        ]
    for table in CATALOG_TABLES:
        statements.append(
            f"CREATE TRIGGER trades_matching_catalog AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION trades_matching_touch_catalog()"
        )
    statements += [
        "CREATE TRIGGER trades_matching_row AFTER INSERT OR UPDATE OR DELETE ON lists_listsettings "
        "FOR EACH ROW EXECUTE FUNCTION trades_matching_touch_row('user_id')",
        "CREATE TRIGGER trades_matching_row AFTER INSERT OR UPDATE OR DELETE ON accounts_userreputation "
        "FOR EACH ROW EXECUTE FUNCTION trades_matching_touch_row('user_id')",
        "CREATE TRIGGER trades_matching_insert AFTER INSERT ON accounts_user "
        "FOR EACH ROW EXECUTE FUNCTION trades_matching_touch_row('id')",
        "CREATE TRIGGER trades_matching_update AFTER UPDATE ON accounts_user FOR EACH ROW WHEN ("
        "OLD.latitude IS DISTINCT FROM NEW.latitude OR OLD.longitude IS DISTINCT FROM NEW.longitude "
        "OR OLD.trade_radius_km IS DISTINCT FROM NEW.trade_radius_km OR OLD.is_active IS DISTINCT FROM NEW.is_active "
        "OR OLD.account_type IS DISTINCT FROM NEW.account_type OR OLD.username IS DISTINCT FROM NEW.username) "
        "EXECUTE FUNCTION trades_matching_touch_row('id')",
        "CREATE TRIGGER trades_matching_insert AFTER INSERT OR DELETE ON trades_trade "
        "FOR EACH ROW EXECUTE FUNCTION trades_matching_touch_row('party_a_id', 'party_b_id')",
        "CREATE TRIGGER trades_matching_update AFTER UPDATE ON trades_trade FOR EACH ROW "
        "WHEN (OLD.status IS DISTINCT FROM NEW.status) "
        "EXECUTE FUNCTION trades_matching_touch_row('party_a_id', 'party_b_id')",
    ]
    return statements


DROP = """
DROP FUNCTION trades_matching_touch_owners() CASCADE;
DROP FUNCTION trades_matching_touch_row() CASCADE;
DROP FUNCTION trades_matching_touch_catalog() CASCADE;
DROP FUNCTION trades_matching_touch(bigint[]);
DROP SEQUENCE trades_matching_stamp_seq;
"""


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(TOUCH)
    for statement in _triggers():
        schema_editor.execute(statement)


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("trades", "0003_reserve_copies_of_active_trades"),
        ("lists", "0004_want_item_any_printing"),
        ("cards", "0008_card_tradability_and_oracle_index"),
        ("accounts", "0005_user_shipping_address"),
    ]

    operations = [
        migrations.CreateModel(
            name="MatchingStamp",
            fields=[
                ("key", models.BigIntegerField(primary_key=True, serialize=False)),
                ("stamp", models.BigIntegerField()),
            ],
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
