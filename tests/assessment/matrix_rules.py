"""Scope rules of the assessment app (read by tests/accounts/test_permission_matrix.py).

Its admins are district-only (configuration, read-only scores and snapshots, inspection plans, interviews);
its pages are staff pages cut by scope, checked role by role in tests/assessment/test_scope_matrix.py on an
own (S01C01) and a foreign (S02C01) unit.
"""

DISTRICT_ONLY_ADMINS = {
    "assessment.department", "assessment.plan", "assessment.quarter", "assessment.score",
    "assessment.rankingsnapshot", "assessment.inspectionplan", "assessment.inspection", "assessment.interview",
}

OTHER_ROUTES = {
    "assessment:ranking": "staff, scoped", "assessment:ranking-row": "staff, scoped",
    "assessment:unit": "staff, scoped", "assessment:scores-now": "assessors", "assessment:scores": "assessors",
    "assessment:score-unit": "assessors, scoped", "assessment:quarter-action": "district",
    "assessment:inspections": "staff, scoped", "assessment:inspection-new": "inspectors and district", "assessment:finding": "staff, scoped",
    "assessment:interviews": "staff, scoped", "assessment:interview": "staff, scoped; interviewers record",
    "assessment:year-now": "staff", "assessment:year": "staff, scoped",
}
