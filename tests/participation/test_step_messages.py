"""A step on a request says what was done, naming the request (not a bare 操作成功)."""

import pytest

from participation import services

pytestmark = pytest.mark.django_db


def test_each_step_names_the_request(client, tree, resident, community_secretary):
    mine = services.request_create(actor=resident, kind="issue", title="楼道灯坏了", body="详情", community=tree.community)
    client.force_login(community_secretary)
    said = []
    for action, data in (("accept", {}), ("answer", {"answer": "已修好"})):
        response = client.post(f"/m/requests/{mine.pk}/{action}/", data, follow=True,
                               HTTP_ACCEPT_LANGUAGE="zh-hans")
        said += [str(m) for m in response.context["messages"]]
    assert said == ["已受理诉求“楼道灯坏了”。", "诉求“楼道灯坏了”已答复，并已通知居民。"]
