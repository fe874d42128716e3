"""Lists of choices several models and forms share: the languages people speak and the
situations of vulnerability that services name and referrals record."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

# ISO 639 codes of languages staff and migrants commonly speak (labels are translated).
LANGUAGE_CHOICES = [
    ("ar", _("Arabic")),
    ("ary", _("Moroccan Arabic (Darija)")),
    ("zgh", _("Tamazight")),
    ("fr", _("French")),
    ("en", _("English")),
    ("es", _("Spanish")),
    ("bm", _("Bambara")),
    ("wo", _("Wolof")),
    ("ln", _("Lingala")),
    ("ff", _("Pular (Fula)")),
    ("pt", _("Portuguese")),
    ("ha", _("Hausa")),
    ("ti", _("Tigrinya")),
]

# Vulnerabilities of PRODUCT.md ("Referrals"): a service's eligibility criteria name them,
# and the referrals app records them on beneficiaries (one list, shared).
VULNERABILITY_CHOICES = [
    ("unaccompanied_child", _("unaccompanied or separated child")),
    ("child_at_risk", _("child at risk")),
    ("woman_at_risk", _("woman at risk")),
    ("pregnant_lactating", _("pregnant or lactating woman")),
    ("serious_medical", _("serious medical condition")),
    ("gbv_survivor", _("survivor of gender-based violence")),
    ("trafficking_victim", _("presumed victim of trafficking")),
    ("torture_survivor", _("survivor of torture or violence")),
    ("older_at_risk", _("older person at risk")),
    ("single_caregiver", _("single caregiver")),
    ("international_protection", _("person in need of international protection")),
    ("stranded", _("stranded without resources")),
    ("mental_health", _("mental-health condition")),
]
