"""PostgreSQL guards the frozen year: once a year-end evaluation is published, its rows can no longer be inserted,
changed or deleted, and the year itself can no longer change or go (check violation, raised by Django as
IntegrityError). TRUNCATE (test flushes) is not a row change and stays possible. SQLite (the embedded demo)
relies on the services' checks.
"""

from django.db import migrations

FORWARD = r"""
CREATE OR REPLACE FUNCTION accountability_evaluationrow_check_frozen() RETURNS trigger AS $$
BEGIN
    IF EXISTS (
        SELECT 1 FROM accountability_evaluationyear y
        WHERE y.status = 'published' AND (
            (TG_OP <> 'DELETE' AND y.id = NEW.evaluation_id) OR (TG_OP <> 'INSERT' AND y.id = OLD.evaluation_id)
        )
    ) THEN
        RAISE EXCEPTION 'the year-end evaluation of a published year is frozen'
            USING ERRCODE = '23514', CONSTRAINT = 'evaluation_year_frozen';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS accountability_evaluationrow_frozen ON accountability_evaluationrow;
CREATE TRIGGER accountability_evaluationrow_frozen BEFORE INSERT OR UPDATE OR DELETE ON accountability_evaluationrow
    FOR EACH ROW EXECUTE FUNCTION accountability_evaluationrow_check_frozen();

CREATE OR REPLACE FUNCTION accountability_evaluationyear_check_frozen() RETURNS trigger AS $$
BEGIN
    IF OLD.status = 'published' THEN
        RAISE EXCEPTION 'a published year-end evaluation is frozen'
            USING ERRCODE = '23514', CONSTRAINT = 'evaluation_year_frozen';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS accountability_evaluationyear_frozen ON accountability_evaluationyear;
CREATE TRIGGER accountability_evaluationyear_frozen BEFORE UPDATE OR DELETE ON accountability_evaluationyear
    FOR EACH ROW EXECUTE FUNCTION accountability_evaluationyear_check_frozen();
"""

BACKWARD = r"""
DROP TRIGGER IF EXISTS accountability_evaluationrow_frozen ON accountability_evaluationrow;
DROP TRIGGER IF EXISTS accountability_evaluationyear_frozen ON accountability_evaluationyear;
DROP FUNCTION IF EXISTS accountability_evaluationrow_check_frozen();
DROP FUNCTION IF EXISTS accountability_evaluationyear_check_frozen();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("accountability", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
