"""`make bench`, the service catalogue: the finder and the public directory.

Creates 5,000 services (BENCH_SERVICES) of 250 organisations over the reference data in
a transaction rolled back at the end, then times, median of 20 warm calls each:
`GET /api/v1/services/match/?sector=health&service_type=primary_care&province=…&language=wo`
(token authentication, as a partner system calls it), `GET /api/v1/services/?page_size=50`
and the anonymous `GET /api/v1/public/services/?page_size=50&province=…`, with the number
of queries of each (constant whatever the data size). Figures, never assertions."""

from __future__ import annotations

import os
import warnings

from bench.__main__ import Rollback, median_ms

SERVICES = int(os.environ.get("BENCH_SERVICES", 5_000))
ORGANISATIONS = 250


def make_data() -> tuple[str, str]:
    """The catalogue, and a focal point's token of an organisation outside it."""
    from coordination.models import Province, ServiceType
    from organisations.models import Membership, Organisation, Service, User
    from organisations.services import create_api_token

    provinces = list(Province.objects.select_related("region").order_by("code"))
    types = list(ServiceType.objects.select_related("sector").order_by("code"))
    orgs = Organisation.objects.bulk_create(
        Organisation(
            code=f"bench-svc-{n:04d}",
            name=f"Association de banc d'essai {n}",
            kind=Organisation.Kind.LOCAL_ASSOCIATION,
            verified=True,
        )
        for n in range(ORGANISATIONS)
    )
    focal = User.objects.create_user("bench.services@example.org", None)
    Membership.objects.create(
        user=focal, organisation=orgs[0], role=Membership.Role.FOCAL_POINT
    )
    languages = ["fr", "ar", "en", "wo", "bm", "es"]
    services = Service.objects.bulk_create(
        Service(
            organisation=orgs[1 + n % (ORGANISATIONS - 1)],
            name=f"Service {n}",
            sector=types[n % len(types)].sector,
            service_type=types[n % len(types)],
            languages=languages[n % 4 : n % 4 + 3],
            accessible=n % 3 == 0,
            capacity=n % 7,
            response_delay_days=n % 10,
            status=["available", "available", "full", "suspended"][n % 4],
            created_by=focal,
        )
        for n in range(SERVICES)
    )
    rows_p, rows_r = [], []
    for n, service in enumerate(services):
        province = provinces[(n * 7) % len(provinces)]
        rows_p.append(Service.provinces.through(service=service, province=province))
        rows_r.append(Service.regions.through(service=service, region=province.region))
    Service.provinces.through.objects.bulk_create(rows_p)
    Service.regions.through.objects.bulk_create(rows_r)
    _, key = create_api_token(actor=focal, organisation=orgs[0], name="make bench")
    return key, "02.411"


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coordination.settings")
    warnings.filterwarnings("ignore", "No directory at", UserWarning)
    import django

    django.setup()
    from django.db import connection, transaction
    from django.test.utils import setup_test_environment, teardown_test_environment
    from rest_framework.test import APIClient

    setup_test_environment()
    results = []
    try:
        with transaction.atomic():
            key, province = make_data()
            member = APIClient()
            member.credentials(HTTP_AUTHORIZATION=f"Token {key}")
            anonymous = APIClient()
            calls = [
                (
                    "finder   GET services/match/",
                    member,
                    "/api/v1/services/match/?sector=health&service_type=primary_care"
                    f"&province={province}&language=wo&accessible=true",
                ),
                ("list     GET services/?page_size=50", member, "/api/v1/services/?page_size=50"),
                (
                    "public   GET public/services/",
                    anonymous,
                    f"/api/v1/public/services/?page_size=50&province={province}",
                ),
            ]  # fmt: skip
            for label, client, url in calls:

                def call(client=client, url=url):
                    response = client.get(url, secure=True)
                    assert response.status_code == 200, response.status_code
                    return response

                queries: list[str] = []

                def count(execute, sql, *args, queries=queries):
                    queries.append(sql)
                    return execute(sql, *args)

                with connection.execute_wrapper(count):
                    call()
                median, best = median_ms(call)
                results.append((label, median, best, len(queries)))
            raise Rollback
    except Rollback:
        pass
    finally:
        teardown_test_environment()

    print(f"Service catalogue, {SERVICES} services, median of 20 warm calls")
    for label, median, best, queries in results:
        print(f"  {label:38}: {median:8.2f} ms (best {best:.2f}; {queries} queries)")


if __name__ == "__main__":
    main()
