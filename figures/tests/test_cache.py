"""The figures' caches: each app process keeps a figure for FIGURES_CACHE_SECONDS, and the
shared cache (filled by a request or by `warm_figures`) spares the others the build."""

from __future__ import annotations

from io import StringIO
from unittest import mock

from django.core.cache import cache
from django.core.management import call_command
from django.test import override_settings

from figures import sources, tables
from figures.tests.base import FigurePersonas


@override_settings(FIGURES_CACHE_SECONDS=300)
class SharedCacheTest(FigurePersonas):
    def setUp(self):
        super().setUp()
        cache.clear()
        self.addCleanup(cache.clear)
        self.addCleanup(tables.clear_cache)

    def test_it_builds_a_figure_once_for_every_process(self):
        first = tables.get_cube("referrals")
        tables.clear_cache()  # another process: nothing of its own yet
        with mock.patch.object(tables, "build_bundle", side_effect=AssertionError("built")):
            again = tables.get_cube("referrals")
        self.assertEqual(again.values, first.values)

    def test_each_cube_is_shared_on_its_own_and_read_alone(self):
        figure = sources.get_figure("referrals")
        built = tables.get_cube("referrals")
        keys = ["", *(b.key for b in figure.breakdowns)]
        for key in keys:
            self.assertIsNotNone(cache.get(tables._shared_key("referrals", key)), key)
        tables.clear_cache()
        with mock.patch.object(tables, "build_bundle", side_effect=AssertionError("built")):
            by_status = tables.get_cube("referrals", "status")
        self.assertEqual(list(tables._cache), [("referrals", "status")])
        self.assertEqual(by_status.computed_at, built.computed_at)  # one bundle, one build

    def test_it_builds_again_when_asked_for_fresh_figures(self):
        tables.get_cube("referrals")
        with mock.patch.object(tables, "build_bundle", wraps=tables.build_bundle) as build:
            tables.get_cube("referrals", fresh=True)
        self.assertEqual(build.call_count, 1)

    def test_it_warms_every_figure_so_that_no_page_view_builds_one(self):
        out = StringIO()
        call_command("warm_figures", stdout=out)
        self.assertIn(f"{len(sources.FIGURES)} figure(s) built.", out.getvalue())
        with mock.patch.object(tables, "build_bundle", side_effect=AssertionError("built")):
            for figure in sources.FIGURES:
                tables.get_cube(figure.key)


class NoCacheTest(FigurePersonas):
    def test_it_warms_nothing_when_the_cache_is_off(self):
        self.assertEqual(tables.warm_all(), 0)
