"""One duplicate-person matcher: the registration page, the beneficiary pages and the
API (one record, a list, a registration) flag the same possible duplicates, and the
receiving organisation's referral page and the referrals API name the same codes it
already knows a person by. Never another organisation's records."""

from __future__ import annotations

from datetime import date

from django.urls import reverse

from coordination.models import Sector
from referrals import services
from referrals.models import Beneficiary
from tests.referrals.conftest import SENTINEL_NAME, SENTINEL_PHONE, identity


def _codes(*people) -> list[str]:
    return sorted(person.code for person in people)


def _everywhere(client, api, person) -> dict[str, list[str]]:
    """The possible duplicates of `person` as each surface shows them."""
    page = client.get(reverse("referrals:detail", args=[person.code]))
    one = api.get(reverse("api:beneficiary-detail", args=[person.code])).json()
    rows = api.get(reverse("api:beneficiary-list"), {"page_size": 100}).json()
    (row,) = [r for r in rows["results"] if r["code"] == person.code]
    return {
        "service": services.possible_duplicates(person),
        "detail page": page.context["possible_duplicates"],
        "API record": one["possible_duplicates"],
        "API list": row["possible_duplicates"],
    }


def test_the_page_and_the_api_flag_the_same_possible_duplicates(
    client_as, api_as, worker_a, worker_b
):
    # Same name, birth year and nationality; the same phone only; and the same
    # person in another organisation, which no surface may ever mention.
    by_name = services.register_beneficiary(actor=worker_a, **identity(phone=""))
    by_phone = services.register_beneficiary(
        actor=worker_a,
        **identity(full_name="Someone Else", date_of_birth=date(1970, 1, 1)),
    )
    elsewhere = services.register_beneficiary(actor=worker_b, **identity())
    client, api = client_as(worker_a), api_as(worker_a)

    registered = client.post(
        reverse("referrals:create"),
        {
            "full_name": "AMINATA diallo",
            "phone": "06 12 34 56 78",
            "date_of_birth": "1996-04-12",
            "sex": "female",
            "nationality": "GN",
        },
        follow=True,
    )
    on_page = Beneficiary.objects.filter(organisation=worker_a.acting_organisation)
    on_page = on_page.latest("pk")
    created = api.post(
        reverse("api:beneficiary-list"),
        {
            "full_name": "Aminata Diallo",
            "date_of_birth": "1996-04-12",
            "sex": "female",
            "nationality": "GN",
        },
        format="json",
    ).json()
    on_api = Beneficiary.objects.get(code=created["code"])

    # The page's message after registration and the API's answer to a registration.
    assert ", ".join(_codes(by_name, by_phone)) in registered.content.decode()
    assert elsewhere.code not in registered.content.decode()
    assert created["possible_duplicates"] == _codes(by_name, on_page)
    # And every surface, for every one of them, agrees with the one matcher.
    expected = {
        by_name: _codes(on_page, on_api),
        by_phone: _codes(on_page),
        on_page: _codes(by_name, by_phone, on_api),
        on_api: _codes(by_name, on_page),
    }
    for person, codes in expected.items():
        shown = _everywhere(client, api, person)
        assert shown == dict.fromkeys(shown, codes), person.code


def test_the_receiving_page_and_the_api_name_the_same_known_codes(
    client_as,
    api_as,
    beneficiary_a,
    consent_a_to_b,
    worker_a,
    worker_b,
    worker_c,
    org_b,
):
    # B knows the person A refers under two codes (by name, by phone); C knows them
    # too, which B must never learn.
    by_name = services.register_beneficiary(
        actor=worker_b, **identity(full_name=SENTINEL_NAME, phone="")
    )
    by_phone = services.register_beneficiary(
        actor=worker_b,
        **identity(full_name="Other", phone=SENTINEL_PHONE, nationality="SN"),
    )
    services.register_beneficiary(
        actor=worker_c, **identity(full_name=SENTINEL_NAME, phone=SENTINEL_PHONE)
    )
    referral = services.send_referral(
        beneficiary_a,
        actor=worker_a,
        to_organisation=org_b,
        sector=Sector.objects.get(code="health"),
        reason="Needs a consultation",
        consent=consent_a_to_b,
    )
    page_url = reverse("referrals:referral_detail", args=[referral.code])
    api_url = reverse("api:referral-detail", args=[referral.code])
    list_url = reverse("api:referral-list")

    def shown(user) -> dict[str, list[str]]:
        (row,) = api_as(user).get(list_url).json()["results"]
        return {
            "detail page": client_as(user).get(page_url).context["known_codes"],
            "API record": api_as(user).get(api_url).json()["known_as"],
            "API list": row["known_as"],
        }

    receiver, sender = shown(worker_b), shown(worker_a)

    assert receiver == dict.fromkeys(receiver, _codes(by_name, by_phone))
    assert receiver["detail page"] == services.known_to(org_b, beneficiary_a)
    assert sender == {surface: [] for surface in sender}
