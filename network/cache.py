"""The render cache of the public directory: the search results, pages and public API lists
an anonymous visitor sees, which are the same for every anonymous visitor
(core/render_cache.py).

Saves and deletes of every directory model raise the generation (see apps.py), except the
coverage rules and gaps, which no public page shows. Entries also expire after
DIRECTORY_CACHE_SECONDS, so that "not verified for a long time" follows the calendar.
"""

from core.render_cache import RenderCache

_cache = RenderCache("directory", "DIRECTORY_CACHE_SECONDS", 300)

generation = _cache.generation
invalidate = _cache.invalidate
cached = _cache.cached
visitor_page = _cache.visitor_page
public_response = _cache.public_response
watch = _cache.watch
