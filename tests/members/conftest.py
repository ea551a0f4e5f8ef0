import pytest


@pytest.fixture(autouse=True)
def _member_definitions(request):
    """The step definitions and duty items come from data migrations; a transactional test elsewhere in the run
    (browser, worker) flushes them, so put them back for the tests that use the database."""
    if request.node.get_closest_marker("django_db") is not None:
        request.getfixturevalue("_django_db_helper")
        from tests.members.helpers import ensure_definitions

        ensure_definitions()
    yield
