"""The client's address behind the trusted proxies (coordination/client_ip.py), and the
API throttles that count by it: a forged X-Forwarded-For neither dodges a throttle nor
puts people behind the same proxy in one budget."""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from django.test import RequestFactory
from django.urls import reverse
from rest_framework.throttling import SimpleRateThrottle

from coordination.client_ip import client_ip
from coordination.throttling import AnonRateThrottle

PUBLIC = reverse("api:public-service-list")
PROXY = "10.0.0.2"


def ip(settings, *, count=0, proxies=(), remote=PROXY, forwarded=None) -> str:
    settings.TRUSTED_PROXY_COUNT = count
    settings.TRUSTED_PROXIES = list(proxies)
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return client_ip(RequestFactory().get("/", **extra))


def test_without_a_proxy_the_header_is_ignored(settings):
    assert ip(settings, remote="203.0.113.7", forwarded="1.2.3.4") == "203.0.113.7"


@pytest.mark.parametrize(
    ("count", "forwarded", "expected"),
    [
        (1, "203.0.113.7", "203.0.113.7"),
        (1, "1.2.3.4, 203.0.113.7", "203.0.113.7"),  # forged leftmost ignored
        (1, "1.2.3.4,203.0.113.7", "203.0.113.7"),
        (2, "1.2.3.4, 203.0.113.7, 10.0.0.9", "203.0.113.7"),  # two proxies
        (2, "203.0.113.7", "203.0.113.7"),  # came in through the inner proxy only
        (1, "2001:DB8::0001", "2001:db8::1"),  # normalised
        (1, "1.2.3.4, not-an-address", PROXY),  # a broken proxy: its own address
        (1, "", PROXY),
    ],
)
def test_behind_proxies_the_client_is_counted_from_the_right(
    settings, count, forwarded, expected
):
    assert ip(settings, count=count, forwarded=forwarded) == expected


def test_the_header_is_believed_only_from_the_listed_proxies(settings):
    proxies = ["10.0.0.0/24", "192.168.1.5"]
    assert ip(settings, count=1, proxies=proxies, forwarded="203.0.113.7") == (
        "203.0.113.7"
    )
    # Straight to the web container, around the proxy: its own address counts.
    direct = ip(
        settings, count=1, proxies=proxies, remote="198.51.100.1", forwarded="1.2.3.4"
    )
    assert direct == "198.51.100.1"


def test_no_remote_address_is_not_an_error(settings):
    request = RequestFactory().get("/")
    del request.META["REMOTE_ADDR"]
    assert client_ip(request) == "unknown"


def test_the_api_uses_these_throttles_and_drf_counts_proxies_the_same_way():
    rest = django_settings.REST_FRAMEWORK
    assert rest["DEFAULT_THROTTLE_CLASSES"] == [
        "coordination.throttling.AnonRateThrottle",
        "coordination.throttling.UserRateThrottle",
    ]
    assert rest["NUM_PROXIES"] == django_settings.TRUSTED_PROXY_COUNT


@pytest.fixture
def two_per_minute(monkeypatch):
    # DRF reads the rates once at import; patch them the way the settings would.
    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {"user": "2/minute", "anon": "2/minute"}
    )


def get_public(api_as, forwarded: str, remote: str = PROXY) -> int:
    return (
        api_as()
        .get(PUBLIC, REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
        .status_code
    )


@pytest.mark.usefixtures("two_per_minute")
def test_a_random_forwarded_header_does_not_dodge_the_anonymous_throttle(api_as):
    statuses = [
        get_public(api_as, f"192.0.2.{n}", remote="203.0.113.7") for n in range(3)
    ]
    assert statuses == [200, 200, 429]


@pytest.mark.usefixtures("two_per_minute")
def test_behind_the_proxy_each_client_has_its_own_budget(settings, api_as):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    first = [get_public(api_as, f"1.2.3.{n}, 203.0.113.7") for n in range(3)]
    second = [get_public(api_as, "198.51.100.9") for _ in range(2)]
    assert first == [200, 200, 429]  # a forged leftmost entry does not help
    assert second == [200, 200]


def test_our_throttle_counts_by_client_ip(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    request = RequestFactory().get(
        "/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.7"
    )
    assert AnonRateThrottle().get_ident(request) == "203.0.113.7"


class BrokenCache:
    def __getattr__(self, name):
        raise ConnectionError("cache down")


def test_a_broken_cache_lets_api_requests_through(monkeypatch, api_as, worker_a):
    monkeypatch.setattr(SimpleRateThrottle, "cache", BrokenCache())
    assert api_as(worker_a).get(reverse("api:me")).status_code == 200
