"""Beneficiary and consent services: codes, rules, duplicates, consent, erasure."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.utils import timezone

from coordination.exceptions import Conflict, PermissionDenied, ValidationError
from coordination.models import Province, Region
from referrals import services
from referrals.models import CODE_ALPHABET, Beneficiary, Consent, IdentityAccessLog
from tests.referrals.conftest import SENTINEL_NAME, identity


def test_a_registered_person_gets_a_random_pseudonymous_code(worker_a, org_a):
    first = services.register_beneficiary(actor=worker_a, **identity())
    second = services.register_beneficiary(actor=worker_a, **identity())

    assert re.fullmatch(rf"BNF-[{CODE_ALPHABET}]{{6}}", first.code)
    assert first.code != second.code
    assert first.organisation == org_a
    assert first.created_by == worker_a
    assert str(first) == first.code
    assert first.birth_year == 1996  # from the date of birth


def test_a_code_clash_is_retried_with_another_code(worker_a, monkeypatch):
    taken = services.register_beneficiary(actor=worker_a, **identity())
    codes = iter([taken.code, "BNF-ZZZZZZ"])
    monkeypatch.setattr(
        "referrals.services.beneficiaries.new_code", lambda: next(codes)
    )

    beneficiary = services.register_beneficiary(actor=worker_a, **identity())

    assert beneficiary.code == "BNF-ZZZZZZ"


@pytest.mark.parametrize("who", ["coordinator", "observer"])
def test_people_acting_for_no_organisation_cannot_register(request, who):
    with pytest.raises(PermissionDenied):
        services.register_beneficiary(actor=request.getfixturevalue(who), **identity())
    assert not Beneficiary.objects.exists()


def test_disability_is_computed_from_the_wgss_answers(worker_a):
    some = services.register_beneficiary(
        actor=worker_a,
        **identity(wg_walking="some_difficulty", wg_seeing="some_difficulty"),
    )
    cannot = services.register_beneficiary(
        actor=worker_a, **identity(wg_walking="", wg_hearing="cannot_do_at_all")
    )

    assert some.disability is False
    assert cannot.disability is True
    assert cannot.wgss["hearing"] == "cannot_do_at_all"


def test_answers_outside_the_wgss_scale_are_refused(worker_a):
    with pytest.raises(ValidationError) as error:
        services.register_beneficiary(actor=worker_a, **identity(wg_hearing="a_little"))

    assert "wg_hearing" in error.value.error_dict
    assert not Beneficiary.objects.exists()


def test_a_date_of_birth_in_the_future_is_refused(worker_a):
    tomorrow = timezone.localdate() + timedelta(days=1)

    with pytest.raises(ValidationError) as error:
        services.register_beneficiary(
            actor=worker_a, **identity(date_of_birth=tomorrow)
        )

    assert "date_of_birth" in error.value.error_dict
    assert not Beneficiary.objects.exists()


def test_a_birth_year_in_the_future_is_refused(worker_a):
    with pytest.raises(ValidationError) as error:
        services.register_beneficiary(
            actor=worker_a,
            **identity(date_of_birth=None, birth_year=timezone.localdate().year + 1),
        )
    assert "birth_year" in error.value.error_dict


def test_a_province_outside_the_region_is_refused(worker_a):
    region = Region.objects.get(code="02")
    elsewhere = Province.objects.exclude(region=region).first()

    with pytest.raises(ValidationError) as error:
        services.register_beneficiary(
            actor=worker_a, **identity(region=region, province=elsewhere)
        )
    assert "province" in error.value.error_dict


@pytest.mark.parametrize(
    ("born", "band"),
    [(2, "0-4"), (8, "5-11"), (15, "12-17"), (30, "18-59"), (70, "60+")],
)
def test_the_age_band_follows_the_age(worker_a, born, band):
    year = timezone.localdate().year - born
    beneficiary = services.register_beneficiary(
        actor=worker_a, **identity(date_of_birth=None, birth_year=year)
    )
    assert beneficiary.age_band == band


def test_the_same_person_registered_twice_is_a_possible_duplicate(worker_a, focal_a):
    first = services.register_beneficiary(actor=worker_a, **identity())
    # Same name written differently, same birth year and nationality.
    second = services.register_beneficiary(
        actor=focal_a,
        **identity(
            full_name="  DIALLO aminatá ", phone="", date_of_birth=None, birth_year=1996
        ),
    )
    by_phone = services.register_beneficiary(
        actor=worker_a,
        **identity(full_name="Someone Else", phone="+212 612-345-678"),
    )
    other = services.register_beneficiary(
        actor=worker_a, **identity(full_name="Fatou Camara", phone="")
    )

    assert services.possible_duplicates(second) == [first.code]
    assert services.possible_duplicates(by_phone) == [first.code]
    assert services.possible_duplicates(other) == []
    assert sorted(services.possible_duplicates(first)) == sorted(
        [second.code, by_phone.code]
    )


def test_the_duplicate_key_is_keyed_not_a_plain_hash(worker_a, settings):
    import hashlib

    beneficiary = services.register_beneficiary(actor=worker_a, **identity())
    plain = hashlib.sha256(b"aminata diallo").hexdigest()

    assert beneficiary.duplicate_key
    assert beneficiary.duplicate_key != plain
    settings.BENEFICIARY_HASH_KEY = "another-key"
    again = services.register_beneficiary(actor=worker_a, **identity())
    assert again.duplicate_key != beneficiary.duplicate_key


def test_another_organisations_records_are_never_proposed(worker_a, worker_b, org_b):
    in_b = services.register_beneficiary(actor=worker_b, **identity())
    in_a = services.register_beneficiary(actor=worker_a, **identity())

    assert services.possible_duplicates(in_a) == []
    assert services.possible_duplicates(in_b) == []
    # Only the receiving organisation's own codes, for a later referral.
    assert services.known_to(org_b, in_a) == [in_b.code]


def test_known_to_reveals_nothing_of_a_third_organisation(worker_a, worker_c, org_b):
    services.register_beneficiary(actor=worker_c, **identity())
    in_a = services.register_beneficiary(actor=worker_a, **identity())

    assert services.known_to(org_b, in_a) == []


def test_a_member_updates_the_record_and_the_version_moves(worker_a, beneficiary_a):
    updated = services.update_beneficiary(
        beneficiary_a,
        actor=worker_a,
        household_size=4,
        full_name="New Name",
        version=1,
    )

    assert updated.version == 2
    assert updated.household_size == 4
    assert Beneficiary.objects.get(pk=updated.pk).full_name == "New Name"
    assert updated.updated_by == worker_a


def test_an_update_with_an_old_version_is_refused(worker_a, beneficiary_a):
    services.update_beneficiary(
        beneficiary_a, actor=worker_a, household_size=3, version=1
    )
    with pytest.raises(services.PreconditionFailed):
        services.update_beneficiary(
            beneficiary_a, actor=worker_a, household_size=5, version=1
        )


def test_another_organisation_may_not_update(worker_b, beneficiary_a):
    with pytest.raises(PermissionDenied):
        services.update_beneficiary(beneficiary_a, actor=worker_b, sex="male")
    beneficiary_a.refresh_from_db()
    assert beneficiary_a.sex == "female"


def test_a_caseworker_records_consent_to_share_with_b(worker_a, beneficiary_a, org_b):
    consent = services.record_consent(
        beneficiary_a,
        actor=worker_a,
        organisation=org_b,
        given_by="caregiver",
        scope="Name and phone",
    )

    assert consent.is_active
    assert consent.recorded_by == worker_a
    assert consent.legal_basis == Consent.LegalBasis.CONSENT


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"scope": " "}, "scope"),
        ({"given_by": ""}, "given_by"),
        ({"given_by": "neighbour"}, "given_by"),
        ({"legal_basis": "vital_interest", "justification": ""}, "justification"),
        ({"legal_basis": "whim"}, "legal_basis"),
    ],
)
def test_consent_without_what_it_needs_is_refused(
    focal_a, beneficiary_a, org_b, changes, field
):
    values = {"given_by": "self", "scope": "Name", **changes}

    with pytest.raises(ValidationError) as error:
        services.record_consent(
            beneficiary_a, actor=focal_a, organisation=org_b, **values
        )

    assert field in error.value.error_dict
    assert not Consent.objects.exists()


def test_consent_to_share_with_ones_own_organisation_is_refused(
    worker_a, beneficiary_a, org_a
):
    with pytest.raises(ValidationError) as error:
        services.record_consent(
            beneficiary_a,
            actor=worker_a,
            organisation=org_a,
            given_by="self",
            scope="x",
        )
    assert "organisation" in error.value.error_dict


def test_vital_interest_is_only_for_a_focal_point(
    worker_a, focal_a, beneficiary_a, org_b
):
    with pytest.raises(PermissionDenied):
        services.record_consent(
            beneficiary_a,
            actor=worker_a,
            organisation=org_b,
            scope="Name",
            legal_basis="vital_interest",
            justification="Unconscious, urgent surgery",
        )

    consent = services.record_consent(
        beneficiary_a,
        actor=focal_a,
        organisation=org_b,
        scope="Name",
        legal_basis="vital_interest",
        justification="Unconscious, urgent surgery",
    )
    assert consent.legal_basis == "vital_interest"


def test_another_organisation_cannot_record_or_withdraw(
    worker_b, beneficiary_a, consent_a_to_b, org_c
):
    with pytest.raises(PermissionDenied):
        services.record_consent(
            beneficiary_a,
            actor=worker_b,
            organisation=org_c,
            given_by="self",
            scope="x",
        )
    with pytest.raises(PermissionDenied):
        services.withdraw_consent(consent_a_to_b, actor=worker_b)
    consent_a_to_b.refresh_from_db()
    assert consent_a_to_b.is_active


def test_withdrawal_is_recorded_once(worker_a, consent_a_to_b):
    consent = services.withdraw_consent(
        consent_a_to_b, actor=worker_a, reason="Changed their mind"
    )

    assert not consent.is_active
    assert consent.withdrawn_by == worker_a
    assert consent.withdrawal_reason == "Changed their mind"
    with pytest.raises(Conflict):
        services.withdraw_consent(consent, actor=worker_a)


def test_only_the_owner_organisation_sees_identity(
    worker_a, focal_a, worker_b, coordinator, observer, beneficiary_a, consent_a_to_b
):
    assert services.can_see_identity(worker_a, beneficiary_a)
    assert services.can_see_identity(focal_a, beneficiary_a)
    # Until referrals exist, a consent alone shows nothing to the receiver.
    for user in (worker_b, coordinator, observer):
        assert not services.can_see_identity(user, beneficiary_a)


def test_erasing_identity_keeps_the_record_and_its_log(
    focal_a, worker_a, beneficiary_a
):
    services.log_identity_access(beneficiary_a, actor=worker_a, purpose="test")

    with pytest.raises(PermissionDenied):
        services.erase_identity(beneficiary_a, actor=worker_a)
    erased = services.erase_identity(beneficiary_a, actor=focal_a)

    erased = Beneficiary.objects.get(pk=erased.pk)
    assert erased.identity_erased
    assert (erased.full_name, erased.phone, erased.date_of_birth) == ("", "", None)
    assert erased.duplicate_key == erased.duplicate_phone_key == ""
    assert erased.code == beneficiary_a.code
    assert erased.sex == "female"
    assert erased.birth_year == 1996
    assert IdentityAccessLog.objects.filter(beneficiary=erased).count() == 1
    assert not services.can_see_identity(worker_a, erased)
    with pytest.raises(Conflict):
        services.update_beneficiary(erased, actor=worker_a, full_name="Back")


def test_retention_erases_only_identities_idle_for_the_period(
    worker_a, settings, org_b
):
    settings.BENEFICIARY_RETENTION_MONTHS = 24
    old = services.register_beneficiary(actor=worker_a, **identity())
    recent = services.register_beneficiary(actor=worker_a, **identity())
    consented = services.register_beneficiary(actor=worker_a, **identity())
    long_ago = timezone.now() - timedelta(days=800)
    Beneficiary.objects.filter(pk__in=[old.pk, consented.pk]).update(
        last_activity_at=long_ago
    )
    services.record_consent(
        consented, actor=worker_a, organisation=org_b, given_by="self", scope="x"
    )

    erased = services.erase_expired_identities()

    assert erased == 1
    assert Beneficiary.objects.get(pk=old.pk).identity_erased
    assert not Beneficiary.objects.get(pk=recent.pk).identity_erased
    assert not Beneficiary.objects.get(pk=consented.pk).identity_erased
    assert services.erase_expired_identities() == 0  # idempotent


def test_the_retention_command_and_task_run(worker_a, capsys):
    from django.core.management import call_command

    from referrals.tasks import erase_expired_identities_task

    old = services.register_beneficiary(actor=worker_a, **identity())
    Beneficiary.objects.filter(pk=old.pk).update(
        last_activity_at=timezone.now() - timedelta(days=1000)
    )

    call_command("erase_expired_identities")

    assert "1" in capsys.readouterr().out
    assert Beneficiary.objects.get(pk=old.pk).identity_erased
    assert erase_expired_identities_task() == 0


def test_the_audit_trail_records_changes_without_identity(
    worker_a, beneficiary_a, consent_a_to_b
):
    from django.db import connection

    services.update_beneficiary(beneficiary_a, actor=worker_a, household_size=2)
    services.withdraw_consent(consent_a_to_b, actor=worker_a)

    events = beneficiary_a.events.order_by("pgh_id")
    assert [e.pgh_label for e in events][:2] == ["insert", "update"]
    assert consent_a_to_b.events.count() == 2
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM referrals_beneficiaryevent")
        rows = cursor.fetchall()
    assert rows
    assert SENTINEL_NAME not in repr(rows)
    columns = [
        c.name
        for c in connection.introspection.get_table_description(
            connection.cursor(), "referrals_beneficiaryevent"
        )
    ]
    for name in ("full_name", "phone", "date_of_birth", "duplicate_key"):
        assert name not in columns


def test_born_today_is_accepted(worker_a):
    beneficiary = services.register_beneficiary(
        actor=worker_a, **identity(date_of_birth=timezone.localdate())
    )
    assert beneficiary.age_band == "0-4"
    assert isinstance(Beneficiary.objects.get(pk=beneficiary.pk).date_of_birth, date)
