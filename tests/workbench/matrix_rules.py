"""Scope rules of the workbench (read by tests/accounts/test_permission_matrix.py); checked role by role in
tests/workbench/test_workbench.py and test_tree.py (a secretary's workbench and tree never show another street)."""

OTHER_ROUTES = {
    "workbench:index": "staff (tree or centers), scoped",
    "workbench:tree": "tree staff, scoped", "workbench:tree-node": "tree staff, scoped",
}
