"""Writes of residents taking part, by topic: `requests`, `activities`, `teams`, `thinktank` (the 智库), and the
resident's own community in `common`. Every function is keyword-only and atomic, checks the actor against a named
rule of accounts.scopes, and records history with the actor.

A request's steps, an activity's sign-ups and a team's hours are rows of their own, so that the resident sees
each step and the figures count them. Every public name stays importable from `participation.services`.
"""

from .activities import (
    ACTIVITY_FULL,
    ALREADY_SIGNED_UP,
    activity_cancel,
    activity_publish,
    activity_update,
    signup_cancel,
    signup_check_in,
    signup_create,
)
from .common import profile_choose_community
from .requests import (
    ACCEPT_DAYS,
    MAX_OPEN_REQUESTS,
    REQUEST_DAYS,
    request_accept,
    request_answer,
    request_close,
    request_create,
    request_decline,
    request_rate,
    request_route,
    requests_overdue,
)
from .teams import (
    MAX_HOURS_POINTS,
    POINTS_PER_HOUR,
    hours_record,
    team_add_member,
    team_create,
    team_join,
    team_leave,
)
from .thinktank import (
    ALREADY_PROPOSED,
    match_agree,
    match_complete,
    match_decline,
    match_propose,
    need_post,
    need_withdraw,
    resource_offer,
    resource_set_available,
    tree_distance,
)

__all__ = [
    "ACCEPT_DAYS", "ACTIVITY_FULL", "ALREADY_PROPOSED", "ALREADY_SIGNED_UP", "MAX_HOURS_POINTS", "MAX_OPEN_REQUESTS",
    "POINTS_PER_HOUR", "REQUEST_DAYS", "activity_cancel", "activity_publish", "activity_update", "hours_record",
    "match_agree", "match_complete", "match_decline", "match_propose", "need_post", "need_withdraw",
    "profile_choose_community", "request_accept", "request_answer", "request_close", "request_create",
    "request_decline", "request_rate", "request_route", "requests_overdue", "resource_offer",
    "resource_set_available", "signup_cancel", "signup_check_in", "signup_create", "team_add_member", "team_create",
    "team_join", "team_leave", "tree_distance",
]
