"""PostgreSQL checks the tree itself: a node's level and path must follow from its parent.

A constraint trigger fires at the end of each statement (after every row it touched is written),
so a subtree move done in one UPDATE is checked in its final state. It refuses a wrong level
under a parent and, since a path must extend the parent's path, any cycle. SQLite (the embedded
demo) relies on the services' checks alone.
"""

from django.db import migrations

FUNCTION = r"""
CREATE OR REPLACE FUNCTION grids_orgnode_check_tree() RETURNS trigger AS $$
DECLARE
    p_level smallint;
    p_path varchar;
BEGIN
    IF NEW.parent_id IS NULL THEN
        IF NEW.level <> 1 OR NEW.path <> '/' || NEW.code || '/' THEN
            RAISE EXCEPTION 'orgnode % must be a street at the top of the tree', NEW.code
                USING ERRCODE = '23514', CONSTRAINT = 'orgnode_tree_integrity';
        END IF;
    ELSE
        SELECT level, path INTO p_level, p_path FROM grids_orgnode WHERE id = NEW.parent_id;
        IF NEW.level <> p_level + 1 THEN
            RAISE EXCEPTION 'orgnode % has level % under a parent of level %', NEW.code, NEW.level, p_level
                USING ERRCODE = '23514', CONSTRAINT = 'orgnode_tree_integrity';
        END IF;
        IF NEW.path <> p_path || NEW.code || '/' THEN
            RAISE EXCEPTION 'orgnode % path % does not extend its parent path % (a cycle or a stale path)',
                NEW.code, NEW.path, p_path
                USING ERRCODE = '23514', CONSTRAINT = 'orgnode_tree_integrity';
        END IF;
    END IF;
    IF TG_OP = 'UPDATE' AND (NEW.path <> OLD.path OR NEW.level <> OLD.level) AND EXISTS (
        SELECT 1 FROM grids_orgnode c
        WHERE c.parent_id = NEW.id AND (c.path <> NEW.path || c.code || '/' OR c.level <> NEW.level + 1)
    ) THEN
        RAISE EXCEPTION 'orgnode % changed place without its children', NEW.code
            USING ERRCODE = '23514', CONSTRAINT = 'orgnode_tree_integrity';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE CONSTRAINT TRIGGER orgnode_tree_integrity
    AFTER INSERT OR UPDATE OF parent_id, level, path, code ON grids_orgnode
    FOR EACH ROW EXECUTE FUNCTION grids_orgnode_check_tree();
"""

REVERSE = """
DROP TRIGGER IF EXISTS orgnode_tree_integrity ON grids_orgnode;
DROP FUNCTION IF EXISTS grids_orgnode_check_tree();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FUNCTION, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(REVERSE, params=None)


class Migration(migrations.Migration):
    dependencies = [("grids", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
