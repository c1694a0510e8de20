"""Hand-edited query strings and forms: a value the page cannot read is the
client's mistake (400), never a server error (500)."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

JUNK = [
    "abc",
    "1e30",
    "-1",
    "9999-12-31",
    "0001-01-01",
    "99999999999999999999999",
    "NaN",
    "Infinity",
    "",
    "%00",
    "' OR 1=1 --",
    "é" * 300,
]


@pytest.fixture
def admin(client, members):
    client.force_login(members["admin"])
    return client


@pytest.mark.parametrize(
    "params",
    [
        {"sample_amount": "1e30"},
        {"sample_amount": "abc"},
        {"sample_amount": "-5"},
        {"sample_due": "9999-12-31"},
        {"sample_due": "garbage"},
        {"sample_issued": "0001-01-01"},
    ],
)
def test_policy_editor_refuses_a_bad_sample_with_400(admin, books, params):
    """GIVEN an admin WHEN the preview's sample is unreadable or absurd THEN 400."""
    response = admin.get(reverse("policy", args=["chronic"]), params)
    assert response.status_code == 400


def test_policy_editor_still_reads_a_sensible_sample(admin, books):
    response = admin.get(
        reverse("policy", args=["chronic"]),
        {"sample_amount": "2 500,50", "sample_due": "2027-01-15"},
    )
    assert response.status_code == 200
    assert response.context["sample"]["amount"] == __import__("decimal").Decimal(
        "2500.50"
    )


@pytest.mark.parametrize("org", ["abc", "1e3", "-1", "99999999999999999999999"])
def test_switching_to_an_unreadable_organisation_is_400(admin, org):
    response = admin.post(reverse("switch_org"), {"org": org})
    assert response.status_code == 400


def _targets(books):
    customer = books["other"].customer_id
    return [
        ("get", reverse("dashboard"), ["page", "sort"]),
        ("get", reverse("overdue"), ["page", "sort"]),
        ("get", reverse("customers"), ["page", "q"]),
        ("get", reverse("outbox"), ["page", "status"]),
        ("get", reverse("approvals"), ["page"]),
        ("get", reverse("imports"), ["page"]),
        ("get", reverse("bank_review"), ["page"]),
        ("get", reverse("replies"), ["page", "status"]),
        ("get", reverse("customer", args=[customer]), ["page", "tab"]),
        (
            "get",
            reverse("policy", args=["chronic"]),
            ["sample_amount", "sample_due", "sample_issued"],
        ),
        ("post", reverse("switch_org"), ["org"]),
        (
            "post",
            reverse("hold_add", args=[customer]),
            ["kind", "until", "count", "invoice"],
        ),
        ("post", reverse("approval_decide", args=[books["action"].pk]), ["decision"]),
        (
            "post",
            reverse("call_record", args=[books["action"].pk]),
            ["outcome", "until"],
        ),
    ]


@pytest.mark.parametrize("junk", JUNK)
def test_no_view_answers_junk_with_a_server_error(client, members, books, junk):
    """GIVEN every view that reads a value WHEN each value is junk THEN < 500."""
    client.raise_request_exception = False
    client.force_login(members["admin"])
    for method, url, names in _targets(books):
        for name in names:
            data = {name: junk}
            if name == "count":
                data = {
                    "kind": "payment_plan",
                    "invoice": "F-2",
                    "until": junk,
                    "count": junk,
                }
            response = getattr(client, method)(url, data)
            assert response.status_code < 500, (url, name, junk)


def test_an_id_beyond_any_database_is_404(client, members, books):
    client.force_login(members["admin"])
    big = "99999999999999999999999"
    for path in ("customers", "invoices", "outbox", "actions", "imports", "holds"):
        suffix = "proof/" if path == "holds" else ""
        assert client.get(f"/{path}/{big}/{suffix}").status_code == 404, path
    for path in ("approvals", "tasks", "plans", "replies"):
        action = {"tasks": "done/", "plans": "cancel/"}.get(path, "")
        assert client.post(f"/{path}/{big}/{action}").status_code == 404, path
