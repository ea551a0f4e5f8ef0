"""PostgreSQL guards what the services promise: a published quarter's scores and every ranking snapshot
are locked in the database itself (any INSERT, UPDATE or DELETE is refused with a check violation, which
Django raises as IntegrityError). TRUNCATE (test flushes) is not a row change and stays possible.
SQLite (the embedded demo) relies on the services' checks and the models' save/delete guards.
"""

from django.db import migrations

FORWARD = r"""
CREATE OR REPLACE FUNCTION assessment_score_check_lock() RETURNS trigger AS $$
BEGIN
    IF EXISTS (
        SELECT 1 FROM assessment_quarter q
        WHERE q.status = 'published' AND (
            (TG_OP <> 'DELETE' AND q.key = NEW.quarter) OR (TG_OP <> 'INSERT' AND q.key = OLD.quarter)
        )
    ) THEN
        RAISE EXCEPTION 'scores of a published quarter are locked'
            USING ERRCODE = '23514', CONSTRAINT = 'score_quarter_not_published';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS assessment_score_lock ON assessment_score;
CREATE TRIGGER assessment_score_lock BEFORE INSERT OR UPDATE OR DELETE ON assessment_score
    FOR EACH ROW EXECUTE FUNCTION assessment_score_check_lock();

CREATE OR REPLACE FUNCTION assessment_snapshot_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'ranking snapshots are never changed or deleted (%)', TG_TABLE_NAME
        USING ERRCODE = '23514', CONSTRAINT = 'snapshot_immutable';
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS assessment_rankingsnapshot_immutable ON assessment_rankingsnapshot;
CREATE TRIGGER assessment_rankingsnapshot_immutable BEFORE UPDATE OR DELETE ON assessment_rankingsnapshot
    FOR EACH ROW EXECUTE FUNCTION assessment_snapshot_immutable();
DROP TRIGGER IF EXISTS assessment_rankingrow_immutable ON assessment_rankingrow;
CREATE TRIGGER assessment_rankingrow_immutable BEFORE UPDATE OR DELETE ON assessment_rankingrow
    FOR EACH ROW EXECUTE FUNCTION assessment_snapshot_immutable();
"""

BACKWARD = r"""
DROP TRIGGER IF EXISTS assessment_score_lock ON assessment_score;
DROP TRIGGER IF EXISTS assessment_rankingsnapshot_immutable ON assessment_rankingsnapshot;
DROP TRIGGER IF EXISTS assessment_rankingrow_immutable ON assessment_rankingrow;
DROP FUNCTION IF EXISTS assessment_score_check_lock();
DROP FUNCTION IF EXISTS assessment_snapshot_immutable();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("assessment", "0002_beat_schedules")]

    operations = [migrations.RunPython(forwards, backwards)]
