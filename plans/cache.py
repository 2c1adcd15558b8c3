"""The render cache of what every visitor of a plan sees alike: the tree, the dashboard's
charts, a measure's public facts and the public API's pages (core/render_cache.py).

Saves and deletes of plan models (and organisations, whose names the pages show) raise the
generation through signals (see apps.py); services that write in bulk (bulk_create,
queryset.update) call `invalidate()`.
"""

from core.render_cache import RenderCache

_cache = RenderCache("plans", "PLANS_CACHE_SECONDS", 600)

GENERATION_KEY = _cache.generation_key
generation = _cache.generation
invalidate = _cache.invalidate
cached = _cache.cached
cached_many = _cache.cached_many
public_response = _cache.public_response
visitor_page = _cache.visitor_page
watch = _cache.watch
