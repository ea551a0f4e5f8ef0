"""The admin's organization pickers name grids and building groups with their community."""

import pytest

from tests.factories import GridFactory


@pytest.mark.django_db
def test_the_picker_names_a_grid_with_its_community_in_constant_queries(admin_client, tree,
                                                                       django_assert_max_num_queries):
    for n in range(2, 12):
        GridFactory(code=f"S01C01G{n:02d}", name=f"第{n}网格", parent=tree.community)
    params = {"app_label": "members", "model_name": "member", "field_name": "org", "term": "网格"}
    with django_assert_max_num_queries(12):
        answer = admin_client.get("/admin/autocomplete/", params)
    texts = [row["text"] for row in answer.json()["results"]]
    assert "省委社区 · 第一网格（S01C01G01）" in texts and "鑫苑社区 · 第一网格（S02C01G01）" in texts
    assert "省委社区 · 第11网格（S01C01G11）" in texts


@pytest.mark.django_db
def test_a_secretary_picks_only_from_their_own_area(client, tree, community_secretary):
    client.force_login(community_secretary)
    params = {"app_label": "members", "model_name": "member", "field_name": "org", "term": "网格"}
    texts = [row["text"] for row in client.get("/admin/autocomplete/", params).json()["results"]]
    assert texts == ["省委社区 · 第一网格（S01C01G01）"]
