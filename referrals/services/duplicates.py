"""The one duplicate-person matcher: two records may be the same person when the keyed
hash of name + birth year + nationality, or of the phone, is the same. Every page, API
field and export that flags a possible duplicate (or says under which codes a receiving
organisation already knows a person) asks `matching_codes`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q

from referrals.models import Beneficiary

if TYPE_CHECKING:
    from collections.abc import Sequence

    from organisations.models import Organisation


def matching_codes(
    beneficiaries: Sequence[Beneficiary], *, organisation: Organisation | None = None
) -> dict[int, list[str]]:
    """{pk: codes of the other records of `organisation` (by default each person's own)
    with the same keyed hash of name + birth year + nationality, or of phone}, in code
    order, in one query whatever the number of people. Says nothing about any other
    organisation's records."""
    result: dict[int, list[str]] = {b.pk: [] for b in beneficiaries}
    names = {b.duplicate_key for b in beneficiaries if b.duplicate_key}
    phones = {b.duplicate_phone_key for b in beneficiaries if b.duplicate_phone_key}
    if not (names or phones):
        return result
    target = {
        b.pk: organisation.pk if organisation is not None else b.organisation_id
        for b in beneficiaries
    }
    rows = list(
        Beneficiary.objects.filter(
            Q(duplicate_key__in=names) | Q(duplicate_phone_key__in=phones),
            organisation_id__in=set(target.values()),
        )
        .order_by("code")
        .values_list(
            "pk", "code", "organisation_id", "duplicate_key", "duplicate_phone_key"
        )
    )
    for b in beneficiaries:
        result[b.pk] = [
            code
            for pk, code, org, name, phone in rows
            if pk != b.pk
            and org == target[b.pk]
            and (
                (b.duplicate_key and name == b.duplicate_key)
                or (b.duplicate_phone_key and phone == b.duplicate_phone_key)
            )
        ]
    return result


def possible_duplicates(beneficiary: Beneficiary) -> list[str]:
    """Codes of other beneficiaries of the same organisation that may be this person."""
    return matching_codes([beneficiary])[beneficiary.pk]


def duplicates_by_pk(beneficiaries: Sequence[Beneficiary]) -> dict[int, list[str]]:
    """{pk: possible duplicate codes} for a page of beneficiaries, in one query."""
    return matching_codes(beneficiaries)


def known_to(organisation: Organisation, beneficiary: Beneficiary) -> list[str]:
    """Codes under which `organisation` already knows this person (for a receiving
    organisation when a referral arrives). Says nothing about anyone else's records."""
    return matching_codes([beneficiary], organisation=organisation)[beneficiary.pk]
