"""Scope rules of the assessment app (read by tests/accounts/test_permission_matrix.py).

Its admins are district-only (configuration, read-only scores and snapshots, inspection plans, interviews);
its pages are staff pages cut by scope, checked role by role in tests/assessment/test_scope_matrix.py on an
own (S01C01) and a foreign (S02C01) unit.
"""

DISTRICT_ONLY_ADMINS = {
    "assessment.department", "assessment.plan", "assessment.quarter", "assessment.score",
    "assessment.rankingsnapshot", "assessment.inspectionplan", "assessment.inspection", "assessment.interview",
    "assessment.quarterlog",
}

OTHER_ROUTES = {
    "assessment:ranking": "staff, scoped", "assessment:ranking-row": "staff, scoped",
    "assessment:unit": "staff, scoped", "assessment:scores-now": "assessors", "assessment:scores": "assessors",
    "assessment:score-unit": "assessors, scoped", "assessment:quarter-action": "district",
    "assessment:inspections": "staff, scoped", "assessment:inspection-new": "inspectors and district", "assessment:finding": "staff, scoped",
    "assessment:interviews": "staff, scoped", "assessment:interview": "staff, scoped; interviewers record",
    "assessment:year-now": "staff", "assessment:year": "staff, scoped",
}

# The REST API of the assessment (assessment/api.py, assessment/api_interviews.py); every route × role is tested in
# tests/assessment/test_api.py.
API_ROUTES = {
    "v1:assessment-plan-list": "staff", "v1:assessment-plan-detail": "staff",
    "v1:score-list": "assessor", "v1:score-detail": "assessor",
    "v1:ranking-list": "scoped", "v1:ranking-detail": "scoped",
    "v1:inspection-list": "scoped_once_published", "v1:inspection-detail": "scoped_once_published",
    "v1:inspection-publish": "district", "v1:inspection-findings": "own_inspector",
    "v1:finding-list": "scoped_once_published", "v1:finding-detail": "scoped_once_published",
    "v1:finding-report-rectified": "unit_or_inspector", "v1:finding-close": "own_inspector",
    "v1:finding-reopen": "own_inspector",
    "v1:interview-list": "scoped", "v1:interview-detail": "scoped", "v1:interview-hold": "interviewer",
    "v1:interview-actions": "interviewer", "v1:interview-action-done": "unit_or_interviewer",
    "v1:interview-close": "interviewer", "v1:interview-dismiss": "interviewer",
}
