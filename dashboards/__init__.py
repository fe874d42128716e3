"""The dashboards: figures read from maintained aggregates (aggregates.py, kept correct
by PostgreSQL triggers), computed in stats.py, served by the API (viewsets.py) and the
pages (views.py) alike, filtered by one form (filters.py)."""
