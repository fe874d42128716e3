"""Data migration (issue 13, items 4 and 5): sectors get their IASC cluster codes and
other names, the missing global clusters are added; regions and provinces get OCHA
COD-AB P-codes, English names and other spellings. It re-runs the reference data loader
(coordination.services.load_reference_data), which is idempotent.

Sectors — each existing Moroccan sector mapped onto a cluster only where it is the same
thing (no sector is duplicated; existing codes and names are kept, the cluster's own
names become other names accepted on import):

- food_security → FSC (Food Security); health → HEA; wash → WSH; shelter_nfi → SHL
  (Shelter and NFI); protection → PRO; child_protection → PRO-CPN; gbv → PRO-GBV;
  education → EDU: the same scope under another name.
- livelihoods ("Moyens de subsistance et inclusion socio-économique") → ERY (Early
  Recovery and Livelihoods): the cluster the livelihood activities report to; "Early
  Recovery", "Relèvement précoce" and "ERL" are accepted as its other names.
- coordination ("Coordination et partenariats") → CSS (Coordination and Support
  Services).
- mhpss: no cluster (MHPSS is cross-cutting, reported by Health and Protection); kept
  without a code.
- legal_aid ("Aide juridique et documentation") is NOT PRO-HLP: housing, land and
  property is narrower (tenure, evictions); a new sector hlp (PRO-HLP) is added and
  legal_aid keeps no cluster code.
- disability, return_reintegration: Moroccan sectors without a cluster; no code.
- Added, as they had no Moroccan equivalent: nutrition (NUT), cccm (CCM), mine_action
  (PRO-MIN), hlp (PRO-HLP), logistics (LOG), telecommunications (TEL), each with a few
  activities; positions are renumbered so each sits beside its neighbours.

P-codes — the 10 regions and 69 provinces of coordination/data/
ocha-cod-ab-morocco-pcodes.csv joined to the HCP's regions and provinces by name
(accents, case, hyphens, spaces and apostrophes ignored; a province only inside the
region of its P-code's parent). Pairs that needed a hand decision
(coordination.place_names.PCODE_HAND_DECISIONS):

- MA002 "Grand Casablanca-Settat" = 06 Casablanca-Settat (the pre-2015 region's name).
- MA010005 "Mdiq - Fnidq" = 01.573 M'diq-Fnideq (spelling).

Left without a P-code, as OCHA's list has none: regions 11 Laâyoune-Sakia El Hamra and
12 Dakhla-Oued Ed-Dahab and their provinces (11.321, 11.121, 11.537, 11.221, 12.391,
12.066); the eight prefectures of arrondissements of Casablanca (06.141.01.xx), which
OCHA counts in MA002005 Casablanca, held by the prefecture 06.141 itself.
"""

from django.db import migrations


def load(apps, schema_editor):
    from coordination.services import load_reference_data

    load_reference_data(registry=apps)


class Migration(migrations.Migration):
    dependencies = [("coordination", "0011_reference_codes")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
