"""The process-local cache behind the shared catalogue page and parsed playlists."""

from __future__ import annotations

from storefront.caching import ProcessCache


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_an_entry_lives_its_time_then_is_made_again():
    clock, made = Clock(), []
    cache = ProcessCache(size=4, timer=clock)

    def make() -> str:
        made.append(clock.now)
        return f"page at {clock.now}"

    assert cache.get_or_make("home", make, ttl=30) == "page at 1000.0"
    clock.now = 1029.5
    assert cache.get_or_make("home", make, ttl=30) == "page at 1000.0"
    clock.now = 1030.5
    assert cache.get_or_make("home", make, ttl=30) == "page at 1030.5"
    assert made == [1000.0, 1030.5]


def test_the_least_recently_used_entry_goes_first_and_zero_ttl_keeps_nothing():
    cache = ProcessCache(size=2, timer=Clock())
    cache.get_or_make("a", lambda: 1)
    cache.get_or_make("b", lambda: 2)
    cache.get_or_make("a", lambda: "again")  # a is used, so b is the oldest
    cache.get_or_make("c", lambda: 3)
    assert cache.get_or_make("a", lambda: "new a") == 1
    assert cache.get_or_make("b", lambda: "new b") == "new b"
    assert cache.get_or_make("d", lambda: 4, ttl=0) == 4
    assert cache.get_or_make("d", lambda: 5, ttl=0) == 5


def test_a_value_may_say_how_long_it_is_kept():
    clock = Clock()
    cache = ProcessCache(size=4, timer=clock)

    def left(value: tuple[str, float]) -> float:
        return value[1] - clock.now

    assert cache.get_or_make("page", lambda: ("first", 1004.0), ttl=left) == ("first", 1004.0)
    clock.now = 1003.5
    assert cache.get_or_make("page", lambda: ("second", 1010.0), ttl=left)[0] == "first"
    clock.now = 1004.5
    assert cache.get_or_make("page", lambda: ("third", 1004.0), ttl=left)[0] == "third"
    # A value already past its time is handed out once, never kept.
    assert cache.get_or_make("page", lambda: ("fourth", 1010.0), ttl=left)[0] == "fourth"
