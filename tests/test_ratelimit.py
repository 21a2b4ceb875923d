import threading
import uuid

import pytest
from django.core.cache import caches

from yundan import ratelimit
from yundan.ratelimit import hit

from redis_dbs import redis_url

REDIS_URL = redis_url("ratelimit")


@pytest.fixture(autouse=True)
def empty_cache():
    caches["default"].clear()


@pytest.fixture
def redis_cache(settings):
    """The cache as YUNDAN_REDIS_URL configures it, under a prefix of its own for this test."""
    prefix = f"test-ratelimit-{uuid.uuid4().hex}"
    settings.CACHES = {"default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL, "KEY_PREFIX": prefix,
    }}
    assert type(caches["default"]).__name__ == "RedisCache"
    yield caches["default"]
    client = caches["default"]._cache.get_client(write=True)
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)


T0 = 1_800_000_000.0  # a window boundary for 60 s windows


def test_hits_pass_until_the_limit_then_the_next_is_refused_with_a_retry_after():
    decisions = [hit("ip:1", limit=30, window_seconds=60, now=T0 + i) for i in range(31)]
    assert all(d.allowed for d in decisions[:30])
    assert [d.remaining for d in decisions[:3]] == [29, 28, 27] and decisions[29].remaining == 0
    refused = decisions[30]
    assert not refused.allowed and refused.remaining == 0
    # The window ends in 30 s; 1/30 into the next one, 30·(1-g) + 1 ≤ 30 holds.
    assert refused.retry_after == 32


def test_a_hit_costs_its_cost_and_a_refused_hit_is_not_counted():
    assert hit("ip:2", 30, 60, cost=25, now=T0).remaining == 5
    assert not hit("ip:2", 30, 60, cost=10, now=T0 + 1).allowed
    assert hit("ip:2", 30, 60, cost=5, now=T0 + 2) == ratelimit.Decision(True, 0, 0)


def test_keys_are_counted_apart():
    assert hit("ip:a", 1, 60, now=T0).allowed
    assert not hit("ip:a", 1, 60, now=T0).allowed
    assert hit("ip:b", 1, 60, now=T0).allowed


def test_the_limit_slides_so_a_window_boundary_does_not_double_it():
    assert hit("ip:3", 30, 60, cost=30, now=T0 + 59).allowed
    # One second later a new fixed window starts, but 59/60 of the last one is still inside the minute.
    early = hit("ip:3", 30, 60, cost=30, now=T0 + 60)
    assert not early.allowed
    assert early.retry_after == 60  # the previous 30 must fade out completely
    assert hit("ip:3", 30, 60, cost=1, now=T0 + 62).allowed  # 30·(58/60) + 1 ≤ 30
    assert not hit("ip:3", 30, 60, cost=1, now=T0 + 62).allowed  # 30·(58/60) + 2 > 30
    assert hit("ip:3", 30, 60, cost=29, now=T0 + 120).allowed  # the earlier window is gone


def test_retry_after_is_when_the_same_hit_would_pass():
    hit("ip:4", 10, 60, cost=10, now=T0 + 30)
    refused = hit("ip:4", 10, 60, cost=4, now=T0 + 40)
    assert not refused.allowed
    # In the next window the 10 fade: 10·(1-g) + 4 ≤ 10 from g = 0.4, i.e. 24 s into it → 44 s from now.
    assert refused.retry_after == 44
    assert not hit("ip:4", 10, 60, cost=4, now=T0 + 40 + refused.retry_after - 1).allowed
    assert hit("ip:4", 10, 60, cost=4, now=T0 + 40 + refused.retry_after).allowed


def test_a_hit_dearer_than_the_limit_never_passes():
    refused = hit("ip:5", 10, 60, cost=11, now=T0)
    assert not refused.allowed and refused.retry_after == 60 and refused.remaining == 10
    assert hit("ip:5", 10, 60, cost=10, now=T0).allowed


def test_nonsense_limits_are_refused_clearly():
    with pytest.raises(ValueError, match="limit ≥ 1"):
        hit("ip:6", 0, 60)


def test_with_redis_processes_share_one_count(redis_cache):
    hit("ip:7", 5, 60, cost=5, now=T0)
    # Another process's view of the count is what Redis holds.
    assert redis_cache.get(f"rl:ip:7:{int(T0 // 60)}") == 5
    assert not hit("ip:7", 5, 60, now=T0 + 1).allowed


def test_with_redis_concurrent_hits_never_pass_more_than_the_limit(redis_cache):
    allowed = []

    def client():  # each thread has its own cache connection, as separate processes would
        for _ in range(20):
            allowed.append(hit("ip:8", 50, 60, now=T0 + 5).allowed)

    threads = [threading.Thread(target=client) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert allowed.count(True) == 50 and len(allowed) == 160


def test_a_client_is_its_remote_address_and_forwarded_for_is_ignored_from_untrusted_peers():
    assert ratelimit.client_address("203.0.113.9", "1.2.3.4", []) == "203.0.113.9"
    assert ratelimit.client_address("203.0.113.9", "1.2.3.4", ["10.0.0.0/8"]) == "203.0.113.9"


def test_behind_trusted_proxies_the_client_is_the_rightmost_untrusted_hop():
    proxies = ["10.0.0.0/8", "192.0.2.1"]
    # The client wrote "6.6.6.6" itself; the proxies appended what they saw.
    assert ratelimit.client_address("10.0.0.5", "6.6.6.6, 198.51.100.7, 192.0.2.1", proxies) == "198.51.100.7"
    assert ratelimit.client_address("10.0.0.5", "", proxies) == "10.0.0.5"
    assert ratelimit.client_address("10.0.0.5", "junk, 198.51.100.7", proxies) == "198.51.100.7"
    assert ratelimit.client_address("10.0.0.5", "198.51.100.7, junk", proxies) == "10.0.0.5"


def test_an_ipv6_client_is_counted_by_its_64_block():
    assert ratelimit.client_address("2001:db8:1:2:aaaa::1", "", []) == "2001:db8:1:2::/64"
    assert ratelimit.client_address("::ffff:198.51.100.7", "", []) == "198.51.100.7"
