"""Schemathesis cases drawn once and replayed for every role (tests/jinshui/test_api_schema_fuzz.py,
tests/members/test_api_fuzz.py).

Hypothesis runs derandomized there: every role got the very same cases, drawn again for each role, and drawing
cost about as much as sending them. `cases()` draws an operation's cases in a mode once per test module and
hands each role fresh copies (their own containers and metadata, bound to the role's own operation object), so
that what a role's test changes in a case (an id swapped for an existing record's) never reaches another role.
"""

import copy

import hypothesis
from hypothesis import HealthCheck, Phase


def cases(drawn, operation, mode, examples):
    """The cases of `operation` in generation `mode` (at most `examples` of them), drawn into the `drawn` cache
    (a dict the module keeps) on first use."""
    key = (operation.label, mode, examples)
    if key not in drawn:
        found = []

        @hypothesis.settings(max_examples=examples, derandomize=True, database=None, deadline=None,
                             phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
        @hypothesis.given(case=operation.as_strategy(generation_mode=mode))
        def draw(case):
            found.append(_copy(case, case.operation))

        draw()
        drawn[key] = found
    return [_copy(case, operation) for case in drawn[key]]


def _copy(case, operation):
    """A deep copy of `case` bound to `operation` (the slots are set as they are: no modification tracking)."""
    memo = {id(case.operation): operation}
    fresh = object.__new__(type(case))
    for name in type(case).__slots__:
        value = operation if name == "operation" else copy.deepcopy(getattr(case, name), memo)
        object.__setattr__(fresh, name, value)
    return fresh
