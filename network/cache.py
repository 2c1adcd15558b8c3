"""The render cache of the directory (core/render_cache.py): the search results, pages and
public API lists, which are the same for everyone of one audience (the public, or signed-in
members: network.access.audience), and the gap report's rules and gaps, the same for every
network coordinator.

Saves and deletes of every network model raise the generation (see apps.py), and the coverage
check raises it when it opens, closes or updates gaps in bulk. Entries also expire after
DIRECTORY_CACHE_SECONDS, so that "not verified for a long time" follows the calendar.
"""

from core.render_cache import RenderCache

_cache = RenderCache("directory", "DIRECTORY_CACHE_SECONDS", 300)

generation = _cache.generation
invalidate = _cache.invalidate
cached = _cache.cached
cached_many = _cache.cached_many
visitor_page = _cache.visitor_page
public_response = _cache.public_response
shared_response = _cache.shared_response
watch = _cache.watch
