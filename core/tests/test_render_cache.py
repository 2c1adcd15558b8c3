"""core.render_cache: large values are stored compressed and come back unchanged."""

from django.core.cache import cache
from django.test import SimpleTestCase, override_settings

from core.render_cache import PACK_ABOVE, Packed, RenderCache

LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


@override_settings(CACHES=LOCMEM, PACK_TEST_SECONDS=60)
class PackingTest(SimpleTestCase):
    def setUp(self):
        cache.clear()
        self.pages = RenderCache("packtest", "PACK_TEST_SECONDS", 60)

    def stored(self, name: str, parts: tuple):
        return cache.get(self.pages.key(name, *parts))[1]

    def test_a_large_value_is_stored_compressed_and_read_back_unchanged(self):
        html = "<tr><td>Measure</td></tr>" * (PACK_ABOVE // 10)
        self.assertEqual(self.pages.cached("tree", (1,), lambda: ("Title", html)), ("Title", html))
        packed = self.stored("tree", (1,))
        self.assertIsInstance(packed, Packed)
        self.assertLess(len(packed.data), len(html) // 10)

        def must_not_run():
            raise AssertionError("computed again")

        self.assertEqual(self.pages.cached("tree", (1,), must_not_run), ("Title", html))

    def test_a_small_value_is_stored_as_it_is(self):
        self.assertEqual(self.pages.cached("title", (1,), lambda: "Plan A"), "Plan A")
        self.assertEqual(self.stored("title", (1,)), "Plan A")
