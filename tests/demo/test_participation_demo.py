"""The demo's residents taking part: every team's leader is on its roster and keeps it from the phone, the 智库 has
partner organizations' resources beside resident units', and no match is agreed or done after today."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone, translation

from demo import tree as demo
from participation.models import Match, Resource, TeamMembership, VolunteerTeam

from .test_seed_demo import SMALL

pytestmark = pytest.mark.django_db


def test_demo_teams_thinktank_and_pages(monkeypatch, settings, client):
    monkeypatch.setattr(demo, "JINSHUI", SMALL)
    settings.DEBUG = True
    with translation.override("en"):
        call_command("seed_demo", "--password", "Demo-pass-99", stdout=io.StringIO())
    teams = list(VolunteerTeam.objects.all())
    assert teams and all(t.leader_id for t in teams)
    on_roster = set(TeamMembership.objects.filter(left_on__isnull=True).values_list("team_id", "user_id"))
    assert all((t.pk, t.leader_id) in on_roster for t in teams)
    assert Resource.objects.filter(partner__isnull=False).exists()
    assert Resource.objects.filter(unit__isnull=False).exists()
    today = timezone.localdate()
    assert not Match.objects.filter(agreed_on__gt=today).exists()
    assert not Match.objects.filter(done_on__gt=today).exists()

    team = teams[0]
    client.force_login(team.leader)
    assert client.get(f"/m/teams/{team.pk}/roster/").status_code == 200
    secretary = get_user_model().objects.get(username="sec-JS01-C01")
    client.force_login(secretary)
    assert client.get("/m/thinktank/").status_code == 200
