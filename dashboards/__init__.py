"""The dashboards: figures read from maintained aggregates (models.py, kept correct by
the PostgreSQL triggers of migrations/0002_triggers), computed in stats/, served by the
API (viewsets.py) and the pages (views.py) alike, filtered by one form (filters.py);
who may read them is decided in permissions.py; the organisation dashboard of the home
page is home.py; from_base_tables.py recomputes the figures for tests and the bench."""
