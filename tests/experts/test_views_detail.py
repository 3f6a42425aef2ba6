"""An expert's profile page: achievements, track record, and who may see contact details."""

from django.urls import reverse

from challenges.models import Claim, Status
from tests import factories


def detail_url(expert) -> str:
    return reverse("experts:detail", args=[expert.pk])


def with_contact(expert):
    expert.email = "liming@univ.example.cn"
    expert.phone = "13912345678"
    expert.save()
    return expert


def test_profile_shows_achievements_grouped_by_kind_and_track_record(client, enterprise_user, expert, chain):
    # given an expert with a paper and a patent, one accepted claim and one completed challenge
    factories.AchievementFactory(expert=expert, kind="paper", title="视觉检测论文")
    factories.AchievementFactory(expert=expert, kind="patent", title="柔性夹爪专利")
    factories.ClaimFactory(expert=expert, status=Claim.Status.ACCEPTED,
                           challenge=factories.ChallengeFactory(status=Status.IN_PROGRESS, expert=expert))
    factories.ChallengeFactory(status=Status.COMPLETED, expert=expert)
    client.force_login(enterprise_user)
    # when someone opens the profile
    response = client.get(detail_url(expert))
    # then achievements appear under their kinds, with chains and the track record
    assert response.status_code == 200
    groups = [(label, [item.title for item in items]) for label, items in response.context["achievement_groups"]]
    assert groups == [("论文", ["视觉检测论文"]), ("专利", ["柔性夹爪专利"])]
    assert response.context["track_record"] == {"accepted": 1, "completed": 1}
    html = response.content.decode()
    assert chain.name in html
    assert "柔性制造" in html


def test_inactive_expert_is_404(client, enterprise_user):
    # given an expert who left the pool
    gone = factories.ExpertFactory(name="已出库专家", is_active=False)
    client.force_login(enterprise_user)
    # when their page is opened, then it does not exist
    assert client.get(detail_url(gone)).status_code == 404


def test_contact_hidden_from_unrelated_enterprise_member(client, other_enterprise_user, expert, open_challenge):
    # given an expert engaged on another enterprise's challenge
    with_contact(expert)
    open_challenge.expert = expert
    open_challenge.status = Status.IN_PROGRESS
    open_challenge.save()
    client.force_login(other_enterprise_user)
    # when a member of an unrelated enterprise opens the profile
    response = client.get(detail_url(expert))
    # then neither e-mail nor phone is on the page
    html = response.content.decode()
    assert response.status_code == 200
    assert "liming@univ.example.cn" not in html
    assert "13912345678" not in html
    assert "专家承接贵单位的需求后" in html


def test_contact_shown_to_enterprise_whose_challenge_the_expert_took(client, enterprise_user, expert, open_challenge):
    # given the expert is engaged on the viewer's enterprise's challenge
    with_contact(expert)
    open_challenge.expert = expert
    open_challenge.status = Status.IN_PROGRESS
    open_challenge.save()
    client.force_login(enterprise_user)
    # when the enterprise member opens the profile, then contact details are shown
    html = client.get(detail_url(expert)).content.decode()
    assert "liming@univ.example.cn" in html
    assert "13912345678" in html


def test_contact_shown_to_park_staff_and_the_expert_but_not_other_experts(client, park_staff, expert, other_expert):
    # given an expert with contact details
    with_contact(expert)
    # when park staff, the expert themself and another expert look
    seen = {}
    for viewer in (park_staff, expert.user, other_expert.user):
        client.force_login(viewer)
        seen[viewer.username] = "13912345678" in client.get(detail_url(expert)).content.decode()
    # then only staff and the expert see them
    assert seen == {"park": True, "expert_li": True, "expert_wang": False}
